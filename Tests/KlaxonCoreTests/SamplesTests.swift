import Foundation
import Testing
@testable import KlaxonCore

/// The hand-written samples in the repository's `samples/` folder (used by docs and the CLI).
enum Samples {
    static let directory = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("samples")

    static func data(_ name: String) throws -> Data { try Data(contentsOf: directory.appendingPathComponent(name)) }

    static let formats: [(String, InputFormat)] = [
        ("trivy-image.json", .trivy), ("falco-event.json", .falco), ("falcosidekick-event.json", .falco),
        ("codeql.sarif", .sarif), ("guardduty-finding.json", .guardduty), ("inspector2-ecr-finding.json", .inspector2),
        ("ecr-image-scan.json", .ecr), ("securityhub-imported.json", .securityhub), ("alertmanager-webhook.json", .alertmanager),
        ("klaxon-alerts.json", .klaxon),
        // AWS CLI output and bare findings.
        ("inspector2-list-findings.json", .inspector2), ("inspector2-findings.ndjson", .inspector2),
        ("securityhub-get-findings.json", .securityhub), ("securityhub-finding.json", .securityhub),
        ("guardduty-get-findings.json", .guardduty), ("guardduty-findings-camel.json", .guardduty),
        ("guardduty-finding-detail.json", .guardduty),
        ("ecr-describe-image-scan-findings.json", .ecr), ("ecr-describe-image-scan-findings-enhanced.json", .ecr),
        // Other Trivy shapes, and Grype.
        ("trivy-k8s-cluster.json", .trivy), ("trivy-k8s-summary.json", .trivy), ("trivy-legacy-list.json", .trivy),
        ("trivy-cyclonedx.json", .trivy), ("trivy-spdx.json", .trivy), ("grype-image.json", .grype),
    ]

    /// What each sample decodes to: alert count and severity histogram (worked out by hand from
    /// the sample and the maps in DESIGN.md).
    static let expected: [String: (count: Int, severities: [String: Int])] = [
        "trivy-image.json": (4, ["medium": 1, "unknown": 1, "high": 1, "critical": 1]),
        "falco-event.json": (1, ["medium": 1]),
        "falcosidekick-event.json": (1, ["critical": 1]),
        "codeql.sarif": (2, ["medium": 1, "low": 1]),
        "guardduty-finding.json": (1, ["high": 1]),
        "inspector2-ecr-finding.json": (1, ["medium": 1]),
        "ecr-image-scan.json": (1, ["high": 1]),
        "securityhub-imported.json": (1, ["high": 1]),
        "alertmanager-webhook.json": (1, ["medium": 1]),
        "klaxon-alerts.json": (1, ["high": 1]),
        "inspector2-list-findings.json": (3, ["critical": 1, "high": 1, "low": 1]),
        "inspector2-findings.ndjson": (2, ["high": 1, "medium": 1]),
        "securityhub-get-findings.json": (4, ["medium": 2, "high": 1, "critical": 1]),
        "securityhub-finding.json": (1, ["low": 1]),
        "guardduty-get-findings.json": (2, ["medium": 1, "high": 1]),
        "guardduty-findings-camel.json": (1, ["low": 1]),
        "guardduty-finding-detail.json": (1, ["critical": 1]),
        "ecr-describe-image-scan-findings.json": (3, ["medium": 1, "high": 1, "info": 1]),
        "ecr-describe-image-scan-findings-enhanced.json": (2, ["medium": 1, "critical": 1]),
        "trivy-k8s-cluster.json": (4, ["medium": 2, "critical": 2]),
        "trivy-k8s-summary.json": (2, ["medium": 2]),
        "trivy-legacy-list.json": (2, ["medium": 1, "high": 1]),
        "trivy-cyclonedx.json": (3, ["medium": 1, "high": 1, "critical": 1]),
        "trivy-spdx.json": (0, [:]),
        "grype-image.json": (6, ["medium": 2, "high": 1, "critical": 2, "info": 1]),
    ]
}

@Suite struct SamplesTests {
    static let ctx = DecodeContext(receivedAt: Date(timeIntervalSince1970: 1_750_000_000))

    /// Every sample is detected as exactly its format, and the explicit format decodes it the same.
    @Test(arguments: Samples.formats)
    func sampleDecodes(name: String, format: InputFormat) throws {
        let r = try Decoders.decode(Samples.data(name), format: .auto, context: Self.ctx)
        #expect(r.format == format)
        let expected = try #require(Samples.expected[name], "no expected counts for \(name)")
        #expect(r.alerts.count == expected.count, "\(name)")
        #expect(Fixtures.histogram(r.alerts) == expected.severities, "\(name)")
        let explicit = try Decoders.decode(Samples.data(name), format: format, context: Self.ctx)
        #expect(explicit.alerts == r.alerts && explicit.scopes == r.scopes, "\(name)")
    }

    @Test func everySampleIsListed() throws {
        // Files only: samples/demo/ holds the demo's own inputs.
        let names = try FileManager.default.contentsOfDirectory(atPath: Samples.directory.path).filter { name in
            var isDir: ObjCBool = false
            FileManager.default.fileExists(atPath: Samples.directory.appendingPathComponent(name).path, isDirectory: &isDir)
            return !name.hasPrefix(".") && !isDir.boolValue
        }
        #expect(Set(names) == Set(Samples.formats.map(\.0)))
    }

    @Test func trivyAndInspectorSamplesAreOneVulnerability() throws {
        let trivy = try Decoders.decode(Samples.data("trivy-image.json"), format: .auto, context: Self.ctx)
        let inspector = try Decoders.decode(Samples.data("inspector2-ecr-finding.json"), format: .auto, context: Self.ctx)
        let t = try #require(trivy.alerts.first { $0.labels["cve"] == "CVE-2024-0727" })
        let i = try #require(inspector.alerts.first)
        #expect(t.fingerprint == i.fingerprint)
        #expect(t.severity == Severity(id: 3, score: 55))
        #expect(i.severity == Severity(id: 3, score: 55))
        #expect(trivy.alerts.count == 4)
        #expect(Fixtures.histogram(trivy.alerts) == ["medium": 1, "unknown": 1, "high": 1, "critical": 1])
    }
}
