import Foundation
import Testing
@testable import KlaxonCore

@Suite(.enabled(if: Fixtures.enabled, "shared fixtures not found"))
struct SarifFixtureTests {
    @Test(arguments: [
        ("trivy-golden-alpine-310.sarif", 4, ["medium": 4]),
        ("trivy-action-image-v0.25.0.sarif", 23, ["critical": 23]),
        // security-severity bands; the four "0.0" rules are tagged UNKNOWN.
        ("trivy-action-image-v0.29.1.sarif", 80, ["critical": 23, "high": 26, "medium": 26, "low": 1, "unknown": 4]),
    ])
    func decodesTrivySarif(file: String, count: Int, severities: [String: Int]) throws {
        let r = try Fixtures.decode("trivy-sarif/" + file)
        #expect(r.format == .sarif)
        #expect(r.alerts.count == count)
        #expect(Fixtures.histogram(r.alerts) == severities)
        #expect(r.alerts.allSatisfy { $0.labels["tool"] == "Trivy" && $0.labels["category"] == "vulnerability" && $0.labels["package"] != nil })
    }

    @Test func sarifAndJsonFromTrivyGiveTheSameFingerprints() throws {
        let sarif = try Fixtures.decode("trivy-sarif/trivy-golden-alpine-310.sarif")
        let json = try Fixtures.decode("trivy/trivy-golden-alpine-310-image.json")
        #expect(sarif.scopes == json.scopes)
        #expect(Set(sarif.alerts.map(\.fingerprint)) == Set(json.alerts.map(\.fingerprint)))
        #expect(sarif.alerts.first?.severity == Severity(id: 3, score: 53))
    }

    @Test func everySarifFileIsCovered() throws {
        #expect(try Fixtures.files(in: "trivy-sarif").count == 3)
    }
}

@Suite struct SarifDecoderTests {
    static let ctx = DecodeContext(receivedAt: Date(timeIntervalSince1970: 1_700_000_000))

    static func log(results: String, rules: String = #"[{"id":"js/xss","properties":{"tags":["security"]}}]"#) -> Data {
        Data(#"{"version":"2.1.0","$schema":"https://json.schemastore.org/sarif-2.1.0.json","runs":[{"tool":{"driver":{"name":"CodeQL","rules":\#(rules)}},"versionControlProvenance":[{"repositoryUri":"https://git.example/app"}],"results":\#(results)}]}"#.utf8)
    }

    @Test func genericToolUsesLevelsAndLocations() throws {
        let results = #"[{"ruleId":"js/xss","level":"error","message":{"text":"XSS"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"src/a.js"},"region":{"startLine":12}}}]},{"ruleId":"js/xss","level":"note","message":{"text":"XSS"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"src/b.js"},"region":{"startLine":3}}}]}]"#
        let r = try Decoders.decode(Self.log(results: results), format: .auto, context: Self.ctx)
        #expect(r.format == .sarif)
        #expect(r.scopes == ["https://git.example/app"])
        #expect(r.alerts.map(\.severity) == [.high, .low])
        #expect(r.alerts[0].labels["target"] == "src/a.js")
        #expect(r.alerts[0].labels["line"] == "12")
        #expect(r.alerts[0].fingerprint != r.alerts[1].fingerprint)
    }

    @Test func securitySeverityWinsOverLevel() throws {
        let rules = #"[{"id":"R1","properties":{"security-severity":"9.1"}}]"#
        let r = try Decoders.decode(Self.log(results: #"[{"ruleId":"R1","ruleIndex":0,"level":"note","message":{"text":"m"}}]"#, rules: rules), format: .sarif, context: Self.ctx)
        #expect(r.alerts.first?.severity == Severity(id: 5, score: 91))
    }

    @Test func partialFingerprintReplacesLine() throws {
        func alert(line: Int) throws -> Alert {
            let results = #"[{"ruleId":"js/xss","message":{"text":"m"},"partialFingerprints":{"primaryLocationLineHash":"abc:1"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a.js"},"region":{"startLine":\#(line)}}}]}]"#
            return try Decoders.decode(Self.log(results: results), format: .sarif, context: Self.ctx).alerts[0]
        }
        #expect(try alert(line: 1).fingerprint == alert(line: 40).fingerprint)
    }

    @Test func missingRuleIdIsAnError() {
        #expect(throws: DecodeError(path: "runs[0].results[0].ruleId", "missing (and no rule reference)")) {
            try Decoders.decode(Self.log(results: #"[{"message":{"text":"m"}}]"#), format: .sarif, context: Self.ctx)
        }
    }

    @Test func wrongVersion() {
        #expect(throws: DecodeError(path: "version", "unsupported SARIF version \"2.0.0\" (expected 2.1.0)")) {
            try Decoders.decode(Data(#"{"version":"2.0.0","runs":[]}"#.utf8), format: .sarif, context: Self.ctx)
        }
    }
}
