import Foundation

/// A file of route test cases:
///
///     silences:                 # optional, apply to every case
///       - matchers: ['env="dev"']
///         starts_at: 2025-01-01T00:00:00Z   # default: always started
///         ends_at: on-resolve               # or a time; default on-resolve
///         created_by: alice
///         comment: dev is noisy
///     cases:
///       - name: critical db alert pages the db team
///         labels: {alertname: DiskFull, severity: critical, team: db}
///         at: 2025-01-15T10:00:00Z
///         active_alerts: [{alertname: DiskFull, severity: critical}]
///         expect:
///           receivers: [db-pager]
///           inhibited: false
///           silenced: false
///           muted_receivers: []
///           group_keys: ['{}/{severity="critical"}:{alertname="DiskFull"}']
///
/// A bare list of cases is accepted too. Unknown keys are errors.
public struct RouteTestSuite: Sendable, Hashable {
    public var cases: [RouteTestCase]
    public var silences: [Silence]

    public init(cases: [RouteTestCase], silences: [Silence] = []) {
        self.cases = cases
        self.silences = silences
    }

    /// Parses a cases file; `file` is only used in errors.
    public static func load(yaml: String, file: String) throws(ConfigError) -> RouteTestSuite {
        let decoder = RoutingConfigDecoder(file: file)
        guard let root = try decoder.root(yaml: yaml), !root.isNull else { return RouteTestSuite(cases: []) }
        var caseNodes: [ConfigNode]
        var suite = RouteTestSuite(cases: [])
        if case .sequence = root.node {
            caseNodes = try root.sequence()
        } else {
            let m = try root.mapping(allowed: ["cases", "silences"])
            caseNodes = try m["cases"]?.sequence() ?? []
            for (i, s) in (try m["silences"]?.sequence() ?? []).enumerated() {
                suite.silences.append(try silence(s, id: "suite-\(i + 1)", decoder: decoder))
            }
        }
        for (i, node) in caseNodes.enumerated() {
            suite.cases.append(try testCase(node, index: i, decoder: decoder))
        }
        return suite
    }

    private static func testCase(_ node: ConfigNode, index: Int, decoder: RoutingConfigDecoder) throws(ConfigError) -> RouteTestCase {
        let m = try node.mapping(allowed: ["name", "labels", "severity", "at", "active_alerts", "silences", "expect"])
        var c = RouteTestCase(name: try m.string("name") ?? "case \(index + 1)", labels: try m.stringMap("labels"),
                              line: node.line)
        if m["labels"] == nil { throw node.error(.missingKey, "missing required field labels") }
        if let n = m["severity"] { c.severity = try decoder.severityLevel(n) }
        if let n = m["at"] { c.at = try date(n) }
        for a in try m["active_alerts"]?.sequence() ?? [] {
            var labels: [String: String] = [:]
            for (k, v, _) in try a.stringMap() { labels[k] = v }
            c.activeAlerts.append(labels)
        }
        for (i, s) in (try m["silences"]?.sequence() ?? []).enumerated() {
            c.silences.append(try silence(s, id: "case-\(index + 1)-\(i + 1)", decoder: decoder))
        }
        if let e = m["expect"] {
            let em = try e.mapping(allowed: ["receivers", "inhibited", "silenced", "muted_receivers", "group_keys"])
            c.expectedReceivers = try em.stringList("receivers")
            c.expectedInhibited = try em.bool("inhibited")
            c.expectedSilenced = try em.bool("silenced")
            c.expectedMutedReceivers = try em.stringList("muted_receivers")
            c.expectedGroupKeys = try em.stringList("group_keys")
        }
        return c
    }

    private static func silence(_ node: ConfigNode, id: String, decoder: RoutingConfigDecoder) throws(ConfigError) -> Silence {
        let m = try node.mapping(allowed: ["id", "matchers", "starts_at", "ends_at", "created_by", "comment"])
        let matchers = try decoder.matcherList(try m.required("matchers"))
        var ending = Silence.Ending.onResolve
        if let n = m["ends_at"], try n.string() != "on-resolve" { ending = .at(try date(n)) }
        let s = Silence(id: try m.string("id") ?? id, matchers: matchers,
                        startsAt: try m["starts_at"].map { n throws(ConfigError) in try date(n) } ?? .distantPast,
                        ending: ending, createdBy: try m.string("created_by") ?? "routes test",
                        comment: try m.string("comment") ?? "routes test")
        do { try s.validate() } catch { throw node.error(.invalidValue, error.message) }
        return s
    }

    private static func date(_ node: ConfigNode) throws(ConfigError) -> Date {
        let s = try node.string()
        let f = ISO8601DateFormatter()
        if let d = f.date(from: s) { return d }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: s) { return d }
        throw node.error(.invalidValue, "not an RFC 3339 time: \"\(s)\"")
    }
}
