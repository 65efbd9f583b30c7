import Foundation
import KlaxonCore
import KlaxonKafka
import KlaxonService
import Logging

/// Runs Klaxon in-process against an embedded broker and times it beside kcat.
enum Harness {
    struct Throughput {
        var klaxonSeconds: Double
        var kcatSeconds: Double
        var events: Int
        var rssMB: Double
        var dbMB: Double
        var klaxonRate: Double { Double(events) / klaxonSeconds }
        var kcatRate: Double { Double(events) / kcatSeconds }
        var json: [String: Any] {
            ["events": events, "klaxon_seconds": klaxonSeconds, "kcat_seconds": kcatSeconds, "klaxon_per_s": klaxonRate,
             "kcat_per_s": kcatRate, "ratio": klaxonRate / kcatRate, "peak_rss_mb": rssMB, "sqlite_mb": dbMB]
        }
    }

    struct FanIn {
        var reports: Int
        /// Reports handled after the first batch seen: what `seconds` times.
        var timedReports: Int
        var alerts: Int
        var seconds: Double
        var rate: Double { Double(alerts) / seconds }
        var json: [String: Any] { ["reports": reports, "timed_reports": timedReports, "alerts": alerts, "seconds": seconds, "alerts_per_s": rate] }
    }

    static func throughput(events: Int, logger: Logger) async throws -> Throughput {
        // The embedded broker keeps ~5 MB per partition: 64 partitions retain 200k 1 KB events.
        let broker = try EmbeddedBroker(topics: ["bench.runtime", "bench.deadletter"], partitions: 64)
        try broker.createStateTopics()
        let dir = tempDir("throughput")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await produce((0..<events).map(Workload.falcoEvent), topic: "bench.runtime", brokers: broker.bootstrapServers, logger: logger)
        let kcat = try timeKcat(brokers: broker.bootstrapServers, topic: "bench.runtime", expect: events)
        let (seconds, _, rss, _) = try await runKlaxon(dir: dir, brokers: broker.bootstrapServers, topics: ["bench.runtime"], messages: events, logger: logger)
        let db = (try? FileManager.default.attributesOfItem(atPath: dir + "/klaxon.db")[.size] as? Int) ?? 0
        let wal = (try? FileManager.default.attributesOfItem(atPath: dir + "/klaxon.db-wal")[.size] as? Int) ?? 0
        return Throughput(klaxonSeconds: seconds, kcatSeconds: kcat, events: events, rssMB: rss, dbMB: Double(db + wal) / 1e6)
    }

    static func fanIn(reports: Int, vulnerabilities: Int, logger: Logger) async throws -> FanIn {
        let broker = try EmbeddedBroker(topics: ["bench.scans", "bench.deadletter"], partitions: 8)
        try broker.createStateTopics()
        let dir = tempDir("fanin")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await produce((0..<reports).map { Workload.trivyReport(image: $0, count: vulnerabilities) }, topic: "bench.scans",
                          brokers: broker.bootstrapServers, logger: logger)
        // Batches of 10 reports (2,000 alerts, as a throughput batch holds 2,000 events), and
        // the clock runs from the first batch handled to the last: 50 reports used to fit in
        // one batch and one scrape, and the wait for the first fetch is not the work. A scrape
        // every 100 ms: each counts the alerts by status (the census), 7.6 % of the service's
        // CPU at 20 ms.
        let run = try await runKlaxon(dir: dir, brokers: broker.bootstrapServers, topics: ["bench.scans"], messages: reports,
                                      maxRecords: 10, scrapeEvery: .milliseconds(100), logger: logger)
        guard run.firstHandled < reports else { throw BenchFailure("all \(reports) reports handled in the first batch seen: nothing to time") }
        let timed = reports - run.firstHandled
        return FanIn(reports: reports, timedReports: timed, alerts: timed * vulnerabilities, seconds: run.seconds)
    }

    /// Starts `klaxon run` (its own process) on the topics and times until every message is
    /// handled (committed and handed to grouping). Returns the seconds since the first scrape
    /// that saw a handled record, how many it saw, and the peak RSS and CPU-seconds.
    static func runKlaxon(
        dir: String, brokers: String, topics: [String], messages: Int, maxRecords: Int = 2000, alertsPartitions: Int32? = nil,
        properties: [String: String] = [:], scrapeEvery: Duration = .milliseconds(200), logger: Logger
    ) async throws -> (seconds: Double, firstHandled: Int, rssMB: Double, cpuSeconds: Double) {
        try Workload.routes(dir: dir).write(toFile: dir + "/routes.yml", atomically: true, encoding: .utf8)
        let config = Workload.serviceConfig(
            brokers: brokers, dir: dir, topics: topics, maxRecords: maxRecords, alertsPartitions: alertsPartitions, properties: properties)
        let klaxon = try ChildKlaxon(config: config, dir: dir)
        defer { klaxon.stop() }
        let clock = ContinuousClock()
        // Time from the first handled record, so the consumer group's join (~3 s on the
        // embedded broker) is not counted; kcat assigns partitions directly and has no join.
        var start: ContinuousClock.Instant?
        var firstHandled = 0
        let deadline = clock.now + .seconds(1_800)
        var handled = 0
        while handled < messages {
            handled = await klaxon.handled()
            if start == nil && handled > 0 { (start, firstHandled) = (clock.now, handled) }
            guard clock.now < deadline, klaxon.process.isRunning else {
                throw BenchFailure("not all messages handled (\(handled)/\(messages)), klaxon \(klaxon.process.isRunning ? "still running after 30 min" : "exited")")
            }
            // A scrape costs the service some CPU: 5 times a second by default, not more.
            try await Task.sleep(for: scrapeEvery)
        }
        let elapsed = clock.now - (start ?? clock.now)
        return (seconds(elapsed), firstHandled, klaxon.peakRSSMB, klaxon.cpuSeconds)
    }

    static func produce(_ values: [Data], topic: String, brokers: String, logger: Logger) async throws {
        // Keyless messages spread evenly (no sticky batches), so no partition outgrows what
        // the embedded broker retains.
        let producer = try KafkaProducer(
            properties: ["bootstrap.servers": brokers, "linger.ms": "20", "batch.num.messages": "2000", "sticky.partitioning.linger.ms": "0"],
            logger: logger)
        try await producer.use { producer in
            var i = 0
            while i < values.count {
                let chunk = values[i..<min(i + 20_000, values.count)].map { KafkaMessage(value: $0) }
                _ = try await producer.sendAll(topic: topic, chunk)
                i += chunk.count
            }
        }
    }

    /// kcat reading the whole topic from the beginning to its end, as a bare librdkafka consumer.
    static func timeKcat(brokers: String, topic: String, expect: Int) throws -> Double {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/kcat")
        p.arguments = ["-C", "-b", brokers, "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%o\n"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        let start = ContinuousClock.now
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let elapsed = ContinuousClock.now - start
        let lines = data.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        guard lines == expect else { throw BenchFailure("kcat read \(lines) of \(expect) messages") }
        return seconds(elapsed)
    }

    static func tempDir(_ name: String) -> String {
        let dir = NSTemporaryDirectory() + "klaxon-pipelinebench-\(name)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
}

struct BenchFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
