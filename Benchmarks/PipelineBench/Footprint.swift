import Foundation
import KlaxonCore
import KlaxonKafka
import KlaxonService
import Logging

/// Resident memory and SQLite size after `fingerprints` distinct alerts, with grouping active
/// (the bench tree groups by alertname and host). Events go out in waves the service handles
/// before the next, because the embedded broker keeps only ~5 MB per partition.
enum Footprint {
    struct Result {
        var fingerprints: Int
        var seconds: Double
        var rssMB: Double
        var dbMB: Double
        var json: [String: Any] {
            ["fingerprints": fingerprints, "seconds": seconds, "peak_rss_mb": rssMB, "sqlite_mb": dbMB, "group_interval": Workload.groupInterval]
        }
    }

    static func run(fingerprints: Int, logger: Logger) async throws -> Result {
        let broker = try EmbeddedBroker(topics: ["bench.runtime", "bench.deadletter"], partitions: 64)
        try broker.createStateTopics()
        let dir = Harness.tempDir("footprint")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Workload.routes(dir: dir).write(toFile: dir + "/routes.yml", atomically: true, encoding: .utf8)
        let klaxon = try ChildKlaxon(config: Workload.serviceConfig(brokers: broker.bootstrapServers, dir: dir, topics: ["bench.runtime"]), dir: dir)
        defer { klaxon.stop() }
        let sampler = MemorySampler(pid: klaxon.process.processIdentifier)
        let start = ContinuousClock.now
        let wave = 100_000
        var sent = 0
        while sent < fingerprints {
            let n = min(wave, fingerprints - sent)
            try await Harness.produce((sent..<(sent + n)).map(Workload.falcoEvent), topic: "bench.runtime", brokers: broker.bootstrapServers, logger: logger)
            sent += n
            let deadline = ContinuousClock.now + .seconds(900)
            var handled = 0
            var polls = 0
            while handled < sent {
                handled = await klaxon.handled()
                if polls % 5 == 0 { sampler.sample("wave \(sent / wave) handled \(handled)") }
                polls += 1
                guard ContinuousClock.now < deadline, klaxon.process.isRunning else {
                    throw BenchFailure("wave not handled (\(handled)/\(sent)), klaxon \(klaxon.process.isRunning ? "still running after 15 min" : "exited")")
                }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        let seconds = Harness.seconds(ContinuousClock.now - start)
        sampler.sample("end")
        let peak = klaxon.peakRSSMB
        klaxon.stop()
        let size = ["klaxon.db", "klaxon.db-wal"].compactMap { try? FileManager.default.attributesOfItem(atPath: dir + "/" + $0)[.size] as? Int }.reduce(0, +)
        return Result(fingerprints: fingerprints, seconds: seconds, rssMB: peak, dbMB: Double(size) / 1e6)
    }
}
