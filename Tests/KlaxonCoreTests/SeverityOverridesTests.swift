import Foundation
import Testing
@testable import KlaxonCore

@Suite struct SeverityOverridesTests {
    static let ctx = DecodeContext(receivedAt: Date(timeIntervalSince1970: 1_700_000_000))

    static func falco(rule: String, priority: String = "Critical", host: String = "h1") throws -> Alert {
        let data = Data(#"{"rule":"\#(rule)","priority":"\#(priority)","hostname":"\#(host)","output":"o","time":"2024-01-01T00:00:00Z"}"#.utf8)
        return try Decoders.decode(data, format: .falco, context: ctx).alerts[0]
    }

    static func trivy(cve: String, severity: String) throws -> Alert {
        let data = Data(#"{"SchemaVersion":2,"ArtifactName":"app","Results":[{"Vulnerabilities":[{"VulnerabilityID":"\#(cve)","PkgName":"p","InstalledVersion":"1","Severity":"\#(severity)"}]}]}"#.utf8)
        return try Decoders.decode(data, format: .trivy, context: ctx).alerts[0]
    }

    @Test func falcoRuleLowered() throws {
        let overrides = SeverityOverrides([.rule("Terminal shell in container", source: "falco", severity: .low, reason: "dev shells are expected")])
        let original = try Self.falco(rule: "Terminal shell in container")
        let a = overrides.apply(to: original)
        #expect(original.severity == .critical)
        #expect(a.severity == .low)
        #expect(a.labels["severity"] == "low")
        #expect(a.fingerprint == original.fingerprint)
        #expect(a.annotations["severity_override"] == "dev shells are expected")
        #expect(a.annotations["original_severity"] == "critical (95)")
        let other = try Self.falco(rule: "Other rule")
        #expect(overrides.apply(to: other) == other)
    }

    @Test func cveRaisedAcrossScanners() throws {
        let overrides = SeverityOverrides([.vulnerability("CVE-2024-3094", severity: .critical)])
        #expect(overrides.apply(to: try Self.trivy(cve: "CVE-2024-3094", severity: "LOW")).severity == .critical)
        #expect(overrides.apply(to: try Self.trivy(cve: "CVE-2024-0001", severity: "LOW")).severity == .low)
    }

    @Test func mostSpecificWinsThenFirstListed() throws {
        let overrides = SeverityOverrides([
            .source("falco", severity: .info),
            .rule("R", source: "falco", severity: .high),
            Rule(match: ["source": "falco", "rule": "R", "host": "h2"], severity: .medium),
            .rule("R", source: "falco", severity: .low),
        ])
        #expect(overrides.apply(to: try Self.falco(rule: "X")).severity == .info)
        #expect(overrides.apply(to: try Self.falco(rule: "R")).severity == .high)
        #expect(overrides.apply(to: try Self.falco(rule: "R", host: "h2")).severity == .medium)
    }

    @Test func appliesToWholeReports() throws {
        let report = try Decoders.decode(Data(#"{"SchemaVersion":2,"ArtifactName":"a","Results":[{"Vulnerabilities":[{"VulnerabilityID":"C1","PkgName":"p","Severity":"LOW"},{"VulnerabilityID":"C2","PkgName":"p","Severity":"LOW"}]}]}"#.utf8), format: .trivy, context: Self.ctx)
        let out = SeverityOverrides([.vulnerability("C2", severity: Severity(id: 5, score: 99))]).apply(to: report)
        #expect(out.alerts.map(\.severity) == [.low, Severity(id: 5, score: 99)])
        #expect(out.scopes == report.scopes)
    }

    @Test func decodesFromConfigJSON() throws {
        let json = #"[{"match":{"rule":"R"},"severity":"low","reason":"noisy"},{"match":{"cve":"C"},"severity":{"id":5,"score":97}}]"#
        let o = try JSONDecoder().decode(SeverityOverrides.self, from: Data(json.utf8))
        #expect(o.rules.count == 2)
        #expect(o.rules[0].severity == .low)
        #expect(o.rules[1].severity == Severity(id: 5, score: 97))
        let bad = #"[{"match":{"rule":"R"},"severity":"loud"}]"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(SeverityOverrides.self, from: Data(bad.utf8)) }
        let roundTrip = try JSONDecoder().decode(SeverityOverrides.self, from: JSONEncoder().encode(o))
        #expect(roundTrip == o)
    }

    typealias Rule = SeverityOverrides.Rule
}
