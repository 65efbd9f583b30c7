/// Site-specific fingerprint identities, applied after decoding (DESIGN: identity labels are
/// "chosen per source, configurable"). Example: key Falco alerts by rule + namespace + pod
/// instead of rule + host + container + process, so a rescheduled pod stays one alert.
///
/// Same matching as `SeverityOverrides`: label equalities, most specific rule wins, then the
/// first listed. Decoded alerts keep their documented identity unless a rule matches.
public struct IdentityOverrides: Sendable, Hashable, Codable {
    public struct Rule: Sendable, Hashable, Codable, LabelMatchedRule {
        /// Label equalities, e.g. `["source": "falco"]`.
        public var match: [String: String]
        /// Label names hashed into the fingerprint (absent labels are skipped).
        public var identity: [String]

        public init(match: [String: String], identity: [String]) {
            self.match = match
            self.identity = identity
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

    public func rule(for labels: [String: String]) -> Rule? {
        rules.mostSpecific(for: labels)
    }

    public func apply(to alert: Alert) -> Alert {
        guard let r = rule(for: alert.labels) else { return alert }
        var a = alert
        a.fingerprint = Fingerprint(labels: alert.labels, keys: r.identity)
        return a
    }

    public func apply(to report: DecodedReport) -> DecodedReport {
        guard !rules.isEmpty else { return report }
        var r = report
        r.alerts = report.alerts.map(apply(to:))
        return r
    }
}
