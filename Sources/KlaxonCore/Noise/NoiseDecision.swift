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

    public var description: String {
        switch self {
        case let .falsePositive(fp):
            return "fingerprint \(fp) is marked as a false positive"
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

/// Text helpers shared by decisions, explanations and the YAML renderer.
enum NoiseFormat {
    /// `2027-01-31` for a UTC midnight, else RFC 3339 in UTC (`2026-11-25T08:00:00Z`, with
    /// milliseconds when there are any).
    static func date(_ d: Date) -> String {
        let totalMs = Int64((d.timeIntervalSince1970 * 1000).rounded())
        let (secs, ms) = totalMs.quotientAndRemainder(dividingBy: 1000)
        var days = secs / 86_400
        var rem = secs % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        let (y, m, dd) = civil(fromDays: days)
        let day = "\(pad(y, 4))-\(pad(m, 2))-\(pad(dd, 2))"
        if rem == 0 && ms == 0 { return day }
        var s = "\(day)T\(pad(rem / 3600, 2)):\(pad(rem % 3600 / 60, 2)):\(pad(rem % 60, 2))"
        if ms != 0 { s += "." + pad(abs(ms), 3) }
        return s + "Z"
    }

    private static func pad(_ n: Int64, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// H. Hinnant's civil_from_days.
    private static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// `{alertname="NodeDown", host="a"}`, names sorted.
    static func labels(_ l: [String: String]) -> String {
        "{" + l.keys.sorted().map { "\($0)=\(GoQuote.quote(l[$0]!))" }.joined(separator: ", ") + "}"
    }
}
