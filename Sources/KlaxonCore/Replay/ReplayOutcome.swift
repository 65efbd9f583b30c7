import Foundation

/// What one configuration would have done with a replayed history.
public struct ReplayOutcome: Sendable {
    /// The noise filter's verdict on an alert's latest firing instance: nil `suppression`
    /// means it reached routing.
    public struct Verdict: Sendable, Hashable {
        public var alert: Alert
        public var reason: SuppressionReason?
        /// The filter's explanation naming the rule (`ignored by suppressions[0] 'disputed' …`).
        public var detail: String?
        public var suppressed: Bool { reason != nil }
    }

    /// Every notification the grouping would have sent, in time order.
    public var notifications: [GroupNotification]
    /// By fingerprint (after the config's identity overrides).
    public var verdicts: [Fingerprint: Verdict]
    /// Per receiver: the groups alerts joined (including groups that never notified).
    public var groups: [String: Set<GroupKey>]
    /// Receivers the config defines.
    public var receivers: [String]

    /// Per receiver: the alerts it would have been told of as firing.
    public var alertsNotified: [String: Set<Fingerprint>] {
        var out: [String: Set<Fingerprint>] = [:]
        for n in notifications { out[n.receiver, default: []].formUnion(n.firing.map(\.fingerprint)) }
        return out
    }
}
