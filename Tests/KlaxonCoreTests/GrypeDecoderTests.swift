import Foundation
import Testing
@testable import KlaxonCore

@Suite struct GrypeDecoderTests {
    static let ctx = DecodeContext(receivedAt: Date(timeIntervalSince1970: 1_750_000_000))
    static let digest = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

    static func decode(_ json: String, _ format: InputFormat = .auto) throws -> DecodedReport {
        try Decoders.decode(Data(json.utf8), format: format, context: ctx)
    }

    @Test func sampleSeveritiesAndLabels() throws {
        let r = try Decoders.decode(Samples.data("grype-image.json"), format: .auto, context: Self.ctx)
        #expect(r.format == .grype)
        #expect(r.scopes == ["grype:" + Self.digest])
        func alert(_ cve: String) throws -> Alert { try #require(r.alerts.first { $0.labels["cve"] == cve }) }
        let crypto = try alert("CVE-2024-0727")
        #expect(crypto.severity == Severity(id: 3, score: 55))
        #expect(crypto.labels["source"] == "grype" && crypto.labels["artifact"] == Self.digest)
        #expect(crypto.labels["image"] == "registry.example.com/shop/api:1.4.2" && crypto.labels["package_type"] == "apk")
        #expect(crypto.annotations["fixed_version"] == "3.1.4-r5" && crypto.annotations["status"] == "fixed")
        #expect(crypto.detectedAt == Timestamps.rfc3339("2025-06-01T10:00:05.123456789Z"))
        #expect(try alert("CVE-2024-5535").severity == Severity(id: 5, score: 91))  // newest CVSS (3.1) wins over 2.0
        #expect(try alert("CVE-2023-6237").severity == .info)  // Negligible
        // Unknown with a CVSS number takes the number's band.
        #expect(try alert("CVE-2024-28182").severity == Severity(id: 3, score: 43))
        // A GHSA is named by its CVE, as Trivy names it.
        let semver = try alert("CVE-2022-25883")
        #expect(semver.annotations["vulnerability_id"] == "GHSA-c2qf-rxjj-qqgw" && semver.severity == Severity(id: 4, score: 75))
        // GHSA and CVE matches of one jar are one alert, named group:artifact as Trivy names Maven packages.
        let log4j = r.alerts.filter { $0.labels["cve"] == "CVE-2021-44228" }
        #expect(log4j.count == 1)
        #expect(log4j.first?.labels["package"] == "org.apache.logging.log4j:log4j-core")
        #expect(log4j.first?.severity == Severity(id: 5, score: 100))
    }

    @Test func sharesFingerprintsWithTrivyForTheSameImageDigest() throws {
        let grype = try Decoders.decode(Samples.data("grype-image.json"), format: .auto, context: Self.ctx)
        let trivy = try Decoders.decode(Samples.data("trivy-image.json"), format: .auto, context: Self.ctx)
        let cdx = try Decoders.decode(Samples.data("trivy-cyclonedx.json"), format: .auto, context: Self.ctx)
        let g = Dictionary(grype.alerts.map { ($0.labels["cve"] ?? "", $0.fingerprint) }, uniquingKeysWith: { a, _ in a })
        #expect(g["CVE-2024-0727"] == trivy.alerts.first { $0.labels["cve"] == "CVE-2024-0727" }?.fingerprint)
        #expect(g["CVE-2021-44228"] == cdx.alerts.first { $0.labels["cve"] == "CVE-2021-44228" }?.fingerprint)
        #expect(g["CVE-2022-25883"] == cdx.alerts.first { $0.labels["cve"] == "CVE-2022-25883" }?.fingerprint)
        // Another digest, another alert.
        let other = try String(decoding: Samples.data("grype-image.json"), as: UTF8.self)
            .replacingOccurrences(of: Self.digest, with: "sha256:" + String(repeating: "0", count: 64))
        let o = try Self.decode(other)
        #expect(o.alerts.first { $0.labels["cve"] == "CVE-2024-0727" }?.fingerprint != g["CVE-2024-0727"])
    }

    @Test func grypeScopeResolvesOnlyWhatGrypeReported() throws {
        let trivy = try Decoders.decode(Samples.data("trivy-image.json"), format: .auto, context: Self.ctx)
        let grype = try Decoders.decode(Samples.data("grype-image.json"), format: .auto, context: Self.ctx)
        // Trivy's secret finding (which Grype never looks for) is not resolved by a Grype report.
        let firingTrivy = Dictionary(trivy.alerts.map { ($0.fingerprint, $0.scope ?? "") }, uniquingKeysWith: { a, _ in a })
        #expect(ScanScopeResolution.disappeared(firing: firingTrivy, report: grype).isEmpty)
        // A later Grype report without libssl3's CVE resolves Grype's alert for it.
        let firing = Dictionary(grype.alerts.map { ($0.fingerprint, $0.scope ?? "") }, uniquingKeysWith: { a, _ in a })
        let clean = #"{"matches":[],"source":{"type":"image","target":{"userInput":"x","repoDigests":["registry.example.com/shop/api@\#(Self.digest)"]}},"descriptor":{"name":"grype"}}"#
        let later = try Self.decode(clean)
        #expect(later.alerts.isEmpty && later.scopes == ["grype:" + Self.digest])
        #expect(Set(ScanScopeResolution.disappeared(firing: firing, report: later)) == Set(grype.alerts.map(\.fingerprint)))
    }

    @Test func directoryScanAndNoSource() throws {
        let dir = #"{"matches":[{"vulnerability":{"id":"GHSA-1","severity":"Low"},"artifact":{"name":"left-pad","version":"1.0.0","type":"npm"}}],"source":{"type":"directory","target":"./app"}}"#
        let r = try Self.decode(dir)
        #expect(r.scopes == ["grype:./app"] && r.alerts.first?.labels["artifact"] == "./app")
        #expect(r.alerts.first?.severity == .low && r.alerts.first?.labels["cve"] == "GHSA-1")
        let unknown = #"{"matches":[],"source":{"type":"unknown","target":"unknown"},"descriptor":{"name":"grype"}}"#
        #expect(try Self.decode(unknown).scopes.isEmpty)
    }

    @Test(arguments: [
        (#"{"matches":[{"vulnerability":{"id":"CVE-1","severity":"Severe"},"artifact":{"name":"a"}}],"source":{}}"#, "matches[0].vulnerability.severity", "unknown Grype severity \"Severe\""),
        (#"{"matches":[{"vulnerability":{"id":"CVE-1"},"artifact":{}}],"source":{}}"#, "matches[0].artifact.name", "missing"),
        (#"{"matches":{},"source":{}}"#, "matches", "expected an array, found an object"),
        (#"{"matches":[],"source":{},"descriptor":{"timestamp":"noon"}}"#, "descriptor.timestamp", "not an RFC 3339 timestamp: noon"),
    ])
    func badInputNamesThePath(json: String, path: String, message: String) {
        #expect(throws: DecodeError(path: path, message)) { try Self.decode(json) }
    }

    @Test func grypeCycloneDXIsDetectedAsGrype() throws {
        let bom = #"{"bomFormat":"CycloneDX","specVersion":"1.5","metadata":{"tools":{"components":[{"type":"application","author":"anchore","name":"grype","version":"0.74.7"}]},"component":{"type":"container","name":"registry.example.com/shop/api:1.4.2"}},"components":[{"bom-ref":"p1","type":"library","name":"zlib","version":"1.3-r0"}],"vulnerabilities":[{"id":"CVE-2023-45853","source":{"name":"nvd"},"ratings":[{"score":9.8,"severity":"critical","method":"CVSSv31"}],"affects":[{"ref":"p1"}]}]}"#
        let r = try Self.decode(bom)
        #expect(r.format == .grype && r.scopes == ["grype:registry.example.com/shop/api:1.4.2"])
        #expect(r.alerts.first?.labels["source"] == "grype" && r.alerts.first?.severity == Severity(id: 5, score: 98))
    }
}
