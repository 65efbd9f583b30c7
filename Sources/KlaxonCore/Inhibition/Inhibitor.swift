import Foundation

/// Inhibition over a snapshot of the currently firing alerts, as Alertmanager's inhibitor does
/// it: an alert matching a rule's target side is muted when some firing alert matches the
/// source side and agrees on every `equal` label. A source alert that also matches the target
/// side does not count when the muted candidate itself matches the source side, so alerts
/// matching both sides never mute each other (nor themselves).
///
/// Built once per snapshot, then checked in near constant time: for each rule the source
/// alerts are indexed by the values of the rule's `equal` labels (a missing label counts as
/// the empty string), so a check is, per rule whose target side matches, one dictionary
/// lookup instead of a scan of every source alert. Each index entry keeps the two answers a
/// check can need: the first source alert (in `firingAlerts` order) with those values, and
/// the first one that does not also match the target side (the one that counts when the
/// checked alert matches both sides). So the answer is the same source alert the plain scan
/// (Alertmanager's `hasEqual`) would find first.
public struct Inhibitor: Muter {
    /// Why an alert is inhibited: the rule (its index in `rules`) and the source alert's labels.
    public struct Inhibition: Sendable, Hashable {
        public var ruleIndex: Int
        public var sourceLabels: [String: String]
    }

    public let rules: [InhibitRule]
    /// Per rule, its source alerts indexed by their `equal` label values.
    private let indexes: [SourceIndex]

    /// - Parameter firingAlerts: labels of every alert firing now (resolved ones excluded by the caller).
    public init(rules: [InhibitRule], firingAlerts: [[String: String]]) {
        self.rules = rules
        self.indexes = rules.map { SourceIndex(rule: $0, firingAlerts: firingAlerts) }
    }

    /// The first rule and source alert that inhibit an alert with these labels, or nil.
    public func inhibition(of labels: [String: String]) -> Inhibition? {
        for (i, index) in indexes.enumerated() {
            if index.isEmpty { continue }  // no firing source alert: this rule mutes nothing
            guard index.rule.targetMatchers.matches(labels), let entry = index.entry(for: labels) else { continue }
            // Matching both sides: only a source alert outside the target side counts.
            let source = index.rule.sourceMatchers.matches(labels) ? entry.firstOutsideTarget : entry.first
            if let source { return Inhibition(ruleIndex: i, sourceLabels: source) }
        }
        return nil
    }

    public func mutes(_ labels: [String: String], at now: Date) -> Bool {
        inhibition(of: labels) != nil
    }
}

extension Inhibitor {
    /// One rule and its firing source alerts, grouped by the values of its `equal` labels.
    /// A class so that a check walks the rules with one retain per rule, not one per field.
    final class SourceIndex: Sendable {
        struct Entry: Sendable {
            /// The first source alert with these `equal` values.
            var first: [String: String]
            /// The first source alert with these `equal` values that does not match the
            /// rule's target side; nil when all of them do.
            var firstOutsideTarget: [String: String]?
        }

        /// Keyed by `equal` label values in the rule's order (missing label: "").
        /// With no `equal` labels there is at most one entry, under the empty key.
        private let entries: [EqualValues: Entry]
        let rule: InhibitRule
        let isEmpty: Bool

        init(rule: InhibitRule, firingAlerts: [[String: String]]) {
            let sources = firingAlerts.filter { rule.sourceMatchers.matches($0) }
            var entries: [EqualValues: Entry] = Dictionary(minimumCapacity: sources.count)
            for alert in sources {
                let key = EqualValues(alert, equal: rule.equal)
                if let i = entries.index(forKey: key) {
                    // The target side is only tested while no source outside it has been seen.
                    if entries.values[i].firstOutsideTarget == nil && !rule.targetMatchers.matches(alert) {
                        entries.values[i].firstOutsideTarget = alert
                    }
                } else {
                    entries[key] = Entry(first: alert, firstOutsideTarget: rule.targetMatchers.matches(alert) ? nil : alert)
                }
            }
            self.rule = rule
            self.entries = entries
            self.isEmpty = entries.isEmpty
        }

        func entry(for labels: [String: String]) -> Entry? {
            entries[EqualValues(labels, equal: rule.equal)]
        }
    }

    /// The values of a rule's `equal` labels in an alert, in the rule's order; a missing label
    /// is the empty string (so it equals an empty one), as Alertmanager compares them. Equality
    /// and hashing are `String`'s, the same comparison the plain scan makes. The hash of the
    /// values is computed once, so the dictionary only hashes an `Int`, on insert and lookup.
    struct EqualValues: Hashable, Sendable {
        // One label (the common case) is kept without an array allocation.
        private enum Values: Hashable, Sendable {
            case none
            case one(String)
            case many([String])
        }

        private let values: Values
        private let hash: Int

        init(_ labels: [String: String], equal: [String]) {
            switch equal.count {
            case 0: values = .none
            case 1: values = .one(labels[equal[0]] ?? "")
            default: values = .many(equal.map { labels[$0] ?? "" })
            }
            hash = values.hashValue
        }

        static func == (a: EqualValues, b: EqualValues) -> Bool {
            a.hash == b.hash && a.values == b.values
        }

        func hash(into hasher: inout Hasher) { hasher.combine(hash) }
    }
}
