import Foundation
import Testing
@testable import KlaxonCore

/// The gate's renderers, on a result with one violation, one counted and one suppressed finding.
@Suite struct GateRenderTests {
    func result() throws -> GateResult {
        var critical = NoiseFixtures.vuln(cve: "CVE-2024-0001", package: "libc<&>", image: "alpine:3.19")
        critical.severity = .critical
        var medium = NoiseFixtures.vuln(cve: "CVE-2024-0002")
        medium.severity = .medium
        let noise = try NoiseFixtures.load("""
            suppressions:
              - vulnerability: CVE-2024-0003
                reason: "vendor says \\"not affected\\""
                owner: secops
                expires: 2027-03-01
            """)
        return GatePolicy(noise: noise).evaluate(
            [DecodedReport(format: .trivy, alerts: [critical, medium, NoiseFixtures.vuln(cve: "CVE-2024-0003")])], at: NoiseFixtures.t0)
    }

    @Test func sarifMarksViolationsAsErrorsAndCarriesSuppressions() throws {
        let log = try #require(try JSONSerialization.jsonObject(with: GateSARIF.encode(try result())) as? [String: Any])
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        let results = try #require(run["results"] as? [[String: Any]])
        #expect(results.map { $0["level"] as? String } == ["error", "warning", "warning"])
        #expect(results.map { $0["ruleId"] as? String } == ["CVE-2024-0001", "CVE-2024-0002", "CVE-2024-0003"])
        let uri = ((results[0]["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
            .flatMap { ($0["artifactLocation"] as? [String: Any])?["uri"] as? String }
        #expect(uri == "alpine%3A3.19")  // a bare `alpine:3.19` would read as a URI scheme
        #expect(results[0]["suppressions"] == nil && results[1]["suppressions"] == nil)
        let s = try #require((results[2]["suppressions"] as? [[String: Any]])?.first)
        #expect(s["kind"] as? String == "external" && s["status"] as? String == "accepted")
        #expect((s["properties"] as? [String: String]) == ["reason": "ignored", "owner": "secops", "expires": "2027-03-01", "rule": "suppressions[0]"])
        let rules = try #require((run["tool"] as? [String: Any]).flatMap { ($0["driver"] as? [String: Any])?["rules"] as? [[String: Any]] })
        #expect((rules[0]["properties"] as? [String: Any])?["security-severity"] as? String == "9.5")
    }

    @Test func junitEscapesTextAndCountsFailuresAndSkips() throws {
        let xml = String(decoding: GateJUnit.encode(try result()), as: UTF8.self)
        #expect(xml.contains(#"<testsuites name="klaxon gate" tests="6" failures="2" errors="0" skipped="1">"#))
        #expect(xml.contains("libc&lt;&amp;&gt;") && !xml.contains("libc<&>"))
        #expect(xml.contains("reason: vendor says &quot;not affected&quot;; owner: secops; expires: 2027-03-01"))
        #expect(GateJUnit.escape("a\u{1}b'") == "ab&apos;")
    }

    @Test func tableAndJSONNameTheVerdict() throws {
        let r = try result()
        #expect(GateTable.render(r).hasSuffix("gate: FAILED — critical 1 > 0"))
        let json = try #require(try JSONSerialization.jsonObject(with: GateJSON.encode(r)) as? [String: Any])
        #expect(json["passed"] as? Bool == false)
        #expect((json["findings"] as? [[String: Any]])?.map { $0["status"] as? String } == ["violation", "counted", "suppressed"])
        #expect((json["limits"] as? [String: Any])?["low"] is NSNull)
    }
}
