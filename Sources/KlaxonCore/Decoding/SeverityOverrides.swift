/// Site-specific severity corrections applied after decoding ("Falco rule X is low for us",
/// "CVE-Y is critical here"). Pure value; loaded from config, applied per alert.
///
/// A rule matches when every one of its label equalities holds. When several rules match,
/// the most specific (most labels) wins, and among equally specific rules the first listed.
/// The fingerprint never changes: severity is not part of any identity.
public struct SeverityOverrides: Sendable, Hashable, Codable {
    public struct Rule: Sendable, Hashable, Codable, LabelMatchedRule {
        /// Label equalities, e.g. `["source": "falco", "rule": "Terminal shell in container"]`.
        public var match: [String: String]
        public var severity: Severity
        /// Why; shown in the `severity_override` annotation.
        public var reason: String?

        public init(match: [String: String], severity: Severity, reason: String? = nil) {
            self.match = match
            self.severity = severity
            self.reason = reason
        }

        /// One rule (Falco rule, Trivy check, GuardDuty type, …), optionally of one source.
        public static func rule(_ name: String, source: String? = nil, severity: Severity, reason: String? = nil) -> Rule {
            var m = ["rule": name]
            m["source"] = source
            return Rule(match: m, severity: severity, reason: reason)
        }

        /// One vulnerability id, from any scanner.
        public static func vulnerability(_ id: String, severity: Severity, reason: String? = nil) -> Rule {
            Rule(match: ["cve": id], severity: severity, reason: reason)
        }

        /// Everything from one source.
        public static func source(_ source: String, severity: Severity, reason: String? = nil) -> Rule {
            Rule(match: ["source": source], severity: severity, reason: reason)
        }

        private enum CodingKeys: String, CodingKey { case match, severity, reason }

        /// `severity` may be a level name (`low`) or `{id, score}` in config files.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            match = try c.decode([String: String].self, forKey: .match)
            reason = try c.decodeIfPresent(String.self, forKey: .reason)
            if let name = try? c.decode(String.self, forKey: .severity) {
                guard let level = Severity.Level(name: name) else {
                    throw DecodingError.dataCorruptedError(forKey: .severity, in: c, debugDescription: "unknown severity \"\(name)\"")
                }
                severity = Severity(level: level)
            } else {
                severity = try c.decode(Severity.self, forKey: .severity)
            }
        }
    }

    public var rules: [Rule]

    public init(_ rules: [Rule] = []) { self.rules = rules }

    public init(from decoder: any Decoder) throws {
        rules = try decoder.singleValueContainer().decode([Rule].self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rules)
    }

    /// The rule that decides for these labels, if any.
    public func rule(for labels: [String: String]) -> Rule? {
        rules.mostSpecific(for: labels)
    }

    /// The alert with the deciding rule's severity, if any; the `severity` label is rewritten only
    /// where it held Klaxon's level name (see the comment below).
    public func apply(to alert: Alert) -> Alert {
        guard let r = rule(for: alert.labels), r.severity != alert.severity else { return alert }
        var a = alert
        a.annotations["original_severity"] = "\(alert.severity.name) (\(alert.severity.score))"
        a.annotations["severity_override"] = r.reason ?? r.match.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        a.severity = r.severity
        // The label follows only where it holds Klaxon's level name; a label the alert came with
        // (Alertmanager's `severity="warning"`) stays, so its routes and inhibitions still match.
        if alert.labels["severity"] == alert.severity.name { a.labels["severity"] = r.severity.name }
        return a
    }

    public func apply(to report: DecodedReport) -> DecodedReport {
        guard !rules.isEmpty else { return report }
        var r = report
        r.alerts = report.alerts.map(apply(to:))
        return r
    }
}
