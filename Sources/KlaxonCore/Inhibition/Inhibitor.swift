import Foundation

/// Inhibition over a snapshot of the currently firing alerts, as Alertmanager's inhibitor does
/// it: an alert matching a rule's target side is muted when some firing alert matches the
/// source side and agrees on every `equal` label. A source alert that also matches the target
/// side does not count when the muted candidate itself matches the source side, so alerts
/// matching both sides never mute each other (nor themselves).
public struct Inhibitor: Muter {
    /// Why an alert is inhibited: the rule (its index in `rules`) and the source alert's labels.
    public struct Inhibition: Sendable, Hashable {
        public var ruleIndex: Int
        public var sourceLabels: [String: String]
    }

    public let rules: [InhibitRule]
    /// Per rule, the labels of the firing alerts that match its source side.
    private let sources: [[[String: String]]]

    /// - Parameter firingAlerts: labels of every alert firing now (resolved ones excluded by the caller).
    public init(rules: [InhibitRule], firingAlerts: [[String: String]]) {
        self.rules = rules
        self.sources = rules.map { rule in firingAlerts.filter { rule.sourceMatchers.matches($0) } }
    }

    /// The first rule and source alert that inhibit an alert with these labels, or nil.
    public func inhibition(of labels: [String: String]) -> Inhibition? {
        for (i, rule) in rules.enumerated() where rule.targetMatchers.matches(labels) {
            let excludeTwoSided = rule.sourceMatchers.matches(labels)
            source: for s in sources[i] {
                for name in rule.equal where (s[name] ?? "") != (labels[name] ?? "") { continue source }
                if excludeTwoSided && rule.targetMatchers.matches(s) { continue source }
                return Inhibition(ruleIndex: i, sourceLabels: s)
            }
        }
        return nil
    }

    public func mutes(_ labels: [String: String], at now: Date) -> Bool {
        inhibition(of: labels) != nil
    }
}
