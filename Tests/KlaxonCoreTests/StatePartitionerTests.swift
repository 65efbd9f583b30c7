import Foundation
import Testing
@testable import KlaxonCore

/// Every report of an alert reaches the partition that owns it, and every complete scan reaches
/// every partition that may hold an alert of its scopes (issue #14). Checked over every sample.
@Suite struct StatePartitionerTests {
    static let ctx = DecodeContext(receivedAt: Date(timeIntervalSince1970: 1_750_000_000))

    static func samples() throws -> [(String, DecodedReport)] {
        try Samples.formats.map { name, format in (name, try Decoders.decode(Samples.data(name), format: format, context: ctx)) }
    }

    static func coverage(_ r: DecodedReport) -> CoverageObservations {
        var c = CoverageObservations()
        c.add(r, receivedAt: ctx.receivedAt)
        return c
    }

    @Test(arguments: [1, 3, 12])
    func eachAlertOnItsFingerprintsPartitionAndEachScanEverywhere(partitions: Int32) throws {
        let partitioner = StatePartitioner(partitions: partitions)
        var sawScan = false
        for (name, report) in try Self.samples() {
            let coverage = Self.coverage(report)
            let parts = partitioner.split(report, coverage: coverage)
            #expect(parts.map(\.partition) == parts.map(\.partition).sorted() && Set(parts.map(\.partition)).count == parts.count, "\(name)")
            #expect(parts.allSatisfy { $0.partition >= 0 && $0.partition < partitions && $0.format == report.format }, "\(name)")
            // Every alert exactly once, on its fingerprint's partition, in the report's order there.
            #expect(parts.flatMap(\.alerts).sorted { $0.fingerprint < $1.fingerprint } == report.alerts.sorted { $0.fingerprint < $1.fingerprint }, "\(name)")
            for p in parts {
                #expect(p.alerts.allSatisfy { partitioner.partition(of: $0.fingerprint) == p.partition }, "\(name)")
                #expect(p.alerts == report.alerts.filter { partitioner.partition(of: $0.fingerprint) == p.partition }, "\(name)")
            }
            if report.scopes.isEmpty {
                #expect(parts.allSatisfy { $0.scopes.isEmpty }, "\(name)")
            } else {
                sawScan = true
                #expect(parts.count == Int(partitions), "\(name): a scan reaches every partition")
                #expect(parts.allSatisfy { $0.scopes == report.scopes }, "\(name)")
            }
            // Coverage once, whole.
            #expect(parts.isEmpty || parts[0].coverage == coverage, "\(name)")
            #expect(parts.dropFirst().allSatisfy { $0.coverage.isEmpty }, "\(name)")
            #expect(parts.isEmpty == (report.alerts.isEmpty && report.scopes.isEmpty), "\(name)")
        }
        #expect(sawScan)
    }

    @Test func scannersAgreeingOnAFindingMeetOnOnePartition() throws {
        // Grype, Trivy and Trivy's CycloneDX share fingerprints for the same digest (GrypeDecoderTests),
        // and a Kubernetes workload scan lists the image's findings under another scope.
        let partitioner = StatePartitioner(partitions: 12)
        var seen: [Fingerprint: Set<Int32>] = [:]
        var sources: [Fingerprint: Set<String>] = [:]
        for name in ["grype-image.json", "trivy-image.json", "trivy-cyclonedx.json", "trivy-k8s-cluster.json"] {
            let report = try Decoders.decode(Samples.data(name), format: .auto, context: Self.ctx)
            for part in partitioner.split(report, coverage: Self.coverage(report)) {
                for a in part.alerts {
                    seen[a.fingerprint, default: []].insert(part.partition)
                    sources[a.fingerprint, default: []].insert(name)
                }
            }
        }
        #expect(sources.values.contains { $0.count >= 3 }, "the samples no longer share a finding: the test lost its point")
        #expect(seen.allSatisfy { $0.value.count == 1 })
        // The partitions are used evenly enough: 12 partitions, all these alerts, not one partition.
        #expect(Set(seen.values.flatMap { $0 }).count > 3)
    }

    @Test func aCleanScanStillReachesEveryPartition() {
        let partitioner = StatePartitioner(partitions: 4)
        let parts = partitioner.split(DecodedReport(format: .grype, alerts: [], scopes: ["grype:sha256:ab"]), coverage: CoverageObservations())
        #expect(parts == (0..<4).map { ReportPart(partition: $0, format: .grype, scopes: ["grype:sha256:ab"]) })
        #expect(partitioner.split(DecodedReport(format: .falco, alerts: []), coverage: CoverageObservations()).isEmpty)
    }
}
