import Foundation

/// What a threshold rule says about one occurrence.
public enum ThresholdDecision: Sendable, Hashable {
    /// No threshold rule matches the alert; dedup alone decides.
    case untracked
    /// The key reached its count within the window: notify now. `count` is the occurrences in the window.
    case notify(count: Int)
    /// Below the threshold: `count` occurrences in the window, `needed` required.
    case held(count: Int, needed: Int)
    /// This burst of the key already notified (at `at`); held until the key is quiet for a window.
    case alreadyNotified(count: Int, at: Date)
    /// Over the threshold, but the key notified less than `min_interval` ago; held until `until`.
    case damped(count: Int, until: Date)
    /// Counted, but the occurrence did not ask to notify (a duplicate of a notified alert).
    case counted(count: Int)

    /// True only for `.notify`.
    public var notifies: Bool {
        if case .notify = self { return true }
        return false
    }

    /// True for the cases that hold back an occurrence that wanted to notify.
    public var holds: Bool {
        switch self {
        case .held, .alreadyNotified, .damped: true
        default: false
        }
    }

    /// Occurrences of the key in the window (0 for `.untracked`).
    public var count: Int {
        switch self {
        case .untracked: 0
        case let .notify(c), let .held(c, _), let .alreadyNotified(c, _), let .damped(c, _), let .counted(c): c
        }
    }
}

/// A threshold decision together with the rule (index into the tracker's `rules`) that made it.
public struct ThresholdOutcome: Sendable, Hashable {
    public var ruleIndex: Int
    public var rule: ThresholdRule
    public var decision: ThresholdDecision
}
