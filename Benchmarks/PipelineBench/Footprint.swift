import Foundation
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
        var json: [String: Any] { ["fingerprints": fingerprints, "seconds": seconds, "peak_rss_mb": rssMB, "sqlite_mb": dbMB] }
    }

    static func run(fingerprints: Int, logger: Logger) async throws -> Result {
        let broker = try EmbeddedBroker(topics: ["bench.runtime", "bench.deadletter"], partitions: 64)
        let dir = Harness.tempDir("footprint")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Workload.routes(dir: dir).write(toFile: dir + "/routes.yml", atomically: true, encoding: .utf8)
        let configPath = dir + "/klaxon.yml"
        try Workload.serviceConfig(brokers: broker.bootstrapServers, dir: dir, topics: ["bench.runtime"])
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        let app = try KlaxonApp(config: try LoadedConfig.load(path: configPath), configPath: configPath, signals: false, logger: logger)
        let running = Task { try await app.run() }
        let start = ContinuousClock.now
        var peak = 0.0
        let wave = 100_000
        var sent = 0
        while sent < fingerprints {
            let n = min(wave, fingerprints - sent)
            try await Harness.produce((sent..<(sent + n)).map(Workload.falcoEvent), topic: "bench.runtime", brokers: broker.bootstrapServers, logger: logger)
            sent += n
            let deadline = ContinuousClock.now + .seconds(900)
            while app.recordsHandled < sent {
                guard ContinuousClock.now < deadline else { throw BenchFailure("wave not handled in 15 min (\(app.recordsHandled)/\(sent))") }
                peak = max(peak, Harness.rssMB())
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        let seconds = Harness.seconds(ContinuousClock.now - start)
        peak = max(peak, Harness.rssMB())
        await app.shutdown()
        try await running.value
        let size = ["klaxon.db", "klaxon.db-wal"].compactMap { try? FileManager.default.attributesOfItem(atPath: dir + "/" + $0)[.size] as? Int }.reduce(0, +)
        return Result(fingerprints: fingerprints, seconds: seconds, rssMB: peak, dbMB: Double(size) / 1e6)
    }
}
