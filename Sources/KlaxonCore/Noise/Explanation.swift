import Foundation

/// Why an alert report was or was not notified, for `klaxon alerts explain FINGERPRINT` and the
/// API: the noise decision with its culprit, plus the route and receivers the caller computed.
public struct Explanation: Sendable, Hashable, CustomStringConvertible {
    public var fingerprint: Fingerprint
    public var labels: [String: String]
    /// When the decision was made.
    public var at: Date
    public var decision: NoiseDecision
    /// The matching route(s), as the caller describes them (e.g. route keys); may be empty.
    public var routes: [String]
    /// The receivers the routing tree chose (whether or not the alert was suppressed).
    public var receivers: [String]

    public init(alert: Alert, decision: NoiseDecision, at: Date, routes: [String] = [], receivers: [String] = []) {
        self.fingerprint = alert.fingerprint
        self.labels = alert.labels
        self.at = at
        self.decision = decision
        self.routes = routes
        self.receivers = receivers
    }

    public var notified: Bool { decision.notifies }
    public var reason: SuppressionReason? { decision.reason }

    /// The ignore rule that matched, when ignored.
    public var ignoreRule: IgnoreRule? {
        if case let .ignored(_, rule)? = decision.detail { return rule }
        return nil
    }

    /// Ids of the silences that muted it (empty unless silenced).
    public var silenceIDs: [String] {
        if case let .silenced(s)? = decision.detail { return s.map(\.id) }
        return []
    }

    /// Labels of the alert that inhibited it, when inhibited.
    public var inhibitingLabels: [String: String]? {
        if case let .inhibited(_, _, source)? = decision.detail { return source }
        return nil
    }

    /// The threshold rule's verdict, when a threshold rule held or released it.
    public var threshold: ThresholdOutcome? {
        switch decision {
        case let .notify(_, t): return t
        case let .suppressed(_, .threshold(t)): return t
        default: return nil
        }
    }

    /// Occurrences counted within the threshold window and the count needed, when a rule applies.
    public var thresholdCounts: (count: Int, needed: Int)? {
        threshold.map { ($0.decision.count, $0.rule.count) }
    }

    /// One line: `notified (opened)`, `notified (duplicate): thresholds[0] … reached 5 …` or
    /// `suppressed (ignored): ignored by …`.
    public var summary: String {
        switch decision {
        case .notify: return "notified " + decision.description.dropFirst("notify ".count)
        case let .suppressed(reason, detail): return "suppressed (\(reason.rawValue)): \(detail)"
        }
    }

    /// Several lines, for a terminal.
    public var description: String {
        var lines: [String] = []
        let name = labels["alertname"].map { " \($0)" } ?? ""
        lines.append("alert \(fingerprint)\(name) at \(NoiseFormat.date(at))")
        lines.append("labels: \(NoiseFormat.labels(labels))")
        lines.append("decision: \(summary)")
        if let t = thresholdCounts { lines.append("threshold: \(t.count) of \(t.needed) occurrences") }
        if !routes.isEmpty { lines.append("routes: \(routes.joined(separator: ", "))") }
        let who = receivers.isEmpty ? "(none)" : receivers.joined(separator: ", ")
        lines.append(notified ? "receivers: \(who)" : "receivers (not notified): \(who)")
        return lines.joined(separator: "\n")
    }
}
