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
    ]
}

@Suite struct SamplesTests {
    static let ctx = DecodeContext(receivedAt: Date(timeIntervalSince1970: 1_750_000_000))

    @Test(arguments: Samples.formats)
    func sampleDecodes(name: String, format: InputFormat) throws {
        let r = try Decoders.decode(Samples.data(name), format: .auto, context: Self.ctx)
        #expect(r.format == format)
        #expect(!r.alerts.isEmpty)
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
