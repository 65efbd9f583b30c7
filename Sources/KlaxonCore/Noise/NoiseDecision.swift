import Foundation

/// The noise filter's verdict on one alert report.
public enum NoiseDecision: Sendable, Hashable, CustomStringConvertible {
    /// Pass it on to routing. `threshold` is set when a threshold rule released it.
    case notify(transition: AlertTransition, threshold: ThresholdOutcome?)
    /// Drop it from notification (its state is still kept), for this reason, with the culprit.
    case suppressed(SuppressionReason, SuppressionDetail)

    public var notifies: Bool {
        if case .notify = self { return true }
        return false
    }

    /// The reason when suppressed, nil when it notifies.
    public var reason: SuppressionReason? {
        if case let .suppressed(r, _) = self { return r }
        return nil
    }

    public var detail: SuppressionDetail? {
        if case let .suppressed(_, d) = self { return d }
        return nil
    }

    public var description: String {
        switch self {
        case let .notify(transition, threshold):
            var s = "notify (\(transition.rawValue))"
            if let t = threshold { s += ": \(t.rule.displayName) reached \(t.decision.count) occurrences within \(ConfigDuration.format(t.rule.window))" }
            return s
        case let .suppressed(reason, detail):
            return "suppressed (\(reason.rawValue)): \(detail)"
        }
    }
}
