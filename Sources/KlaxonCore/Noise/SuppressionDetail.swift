import Foundation

/// What exactly suppressed an alert: enough for `klaxon alerts explain` to name the rule,
/// silence or inhibiting alert.
public enum SuppressionDetail: Sendable, Hashable, CustomStringConvertible {
    case falsePositive(Fingerprint)
    /// The first matching ignore rule and its index in `NoiseConfig.suppressions`.
    case ignored(index: Int, rule: IgnoreRule)
    /// Every active silence muting the alert, in the silencer's order (never empty).
    case silenced([Silence])
    /// The inhibiting rule (index into the inhibitor's rules), that rule, and the source alert's labels.
    case inhibited(ruleIndex: Int, rule: InhibitRule, sourceLabels: [String: String])
    /// A repeat of an already notified firing alert.
    case duplicate
    /// The threshold rule and what it decided (`.held`, `.alreadyNotified` or `.damped`).
    case threshold(ThresholdOutcome)
    /// Below the minimum severity of its environment (`environment_thresholds:`).
    case belowEnvironmentMinimum(environment: String, minimum: Severity.Level)

    public var description: String {
        switch self {
        case let .falsePositive(fp):
            return "fingerprint \(fp) is marked as a false positive"
        case let .belowEnvironmentMinimum(env, minimum):
            return "below the \(env) threshold: \(env) notifies from \(minimum.name) (environment_thresholds)"
        case let .ignored(_, rule):
            var facts: [String] = []
            if let name = rule.name { facts.append("name \(name)") }
            facts.append("owner \(rule.owner)")
            facts.append(rule.expires.map { "expires \(NoiseFormat.date($0))" } ?? "never expires")
            var s = "ignored by \(rule.displayName) (\(facts.joined(separator: ", "))"
            if let o = rule.origin, !o.keyPath.isEmpty { s += "; \(o)" }
            return s + ")"
        case let .silenced(silences):
            guard let first = silences.first else { return "silenced" }
            var s = "silenced by silence \(first.id) (created by \(first.createdBy): '\(first.comment)', "
            switch first.ending {
            case let .at(end): s += "ends \(NoiseFormat.date(end)))"
            case .onResolve: s += "ends when the alert resolves)"
            }
            if silences.count > 1 { s += " and \(silences.count - 1) more (\(silences.dropFirst().map(\.id).joined(separator: ", ")))" }
            return s
        case let .inhibited(index, rule, source):
            var s = "inhibited by inhibit_rules[\(index)] while \(NoiseFormat.labels(source)) fires"
            if !rule.equal.isEmpty { s += " (equal: \(rule.equal.joined(separator: ", ")))" }
            return s
        case .duplicate:
            return "duplicate of a firing alert that was already notified"
        case let .threshold(t):
            let within = "within \(ConfigDuration.format(t.rule.window))"
            switch t.decision {
            case let .held(count, needed):
                return "held by \(t.rule.displayName): \(count) of \(needed) occurrences \(within)"
            case let .alreadyNotified(count, at):
                return "held by \(t.rule.displayName): this burst already notified at \(NoiseFormat.date(at)) (\(count) occurrences \(within))"
            case let .damped(count, until):
                return "damped by \(t.rule.displayName): notified less than \(ConfigDuration.format(t.rule.minInterval)) ago, held until \(NoiseFormat.date(until)) (\(count) occurrences \(within))"
            case .notify, .counted, .untracked:
                return "\(t.rule.displayName): \(t.decision)"
            }
        }
    }
}
