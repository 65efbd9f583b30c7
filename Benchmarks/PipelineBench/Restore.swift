import Foundation
import KlaxonCore
import KlaxonKafka
import KlaxonService
import Logging

/// How long a new owner takes to restore the alert state from `klaxon.state-changelog`
/// (docs/scaling.md, *Local stores and restore*): one `klaxon run` makes `alerts` distinct
/// alerts and stops; a second, with an empty state file in the same consumer group (so no
/// input is left to read), is given every partition and restores them. The restore's own
/// time comes from its log line; the time from launch adds start-up and the group join.
enum Restore {
    struct Result {
        var alerts: Int
        var records: Int
        var restoredAlerts: Int
        var restoreSeconds: Double
        var launchSeconds: Double
        var rssMB: Double
        var cpuSeconds: Double
        var secondsPer100k: Double { restoreSeconds * 100_000 / Double(max(records, 1)) }
        var json: [String: Any] {
            ["alerts": alerts, "changelog_records": records, "restored_alerts": restoredAlerts, "restore_seconds": restoreSeconds,
             "seconds_per_100k_records": secondsPer100k, "launch_to_restored_seconds": launchSeconds, "peak_rss_mb": rssMB,
             "cpu_seconds": cpuSeconds]
        }
    }

    /// The embedded broker makes a member that joins a group whose last member left wait out
    /// the session timeout (less a second) before it answers, as if the old member might come
    /// back; Kafka answers after `group.initial.rebalance.delay.ms` (3 s). A short session
    /// timeout keeps that wait out of "launch to restored".
    static let properties = ["session.timeout.ms": "6000"]

    /// One partition per bench input partition: the embedded broker keeps ~5 MB a partition,
    /// and 100,000 alert states (~600 B each) overflow 12.
    static let partitions: Int32 = 64

    static func run(alerts: Int, logger: Logger) async throws -> Result {
        let broker = try EmbeddedBroker(topics: ["bench.runtime", "bench.deadletter"], partitions: 64)
        var k = KafkaSettings()
        k.alertsPartitions = partitions
        try broker.createStateTopics(k)
        let source = Harness.tempDir("restore-source"), target = Harness.tempDir("restore-target")
        defer {
            // `PIPELINEBENCH_KEEP=1` keeps both instances' directories (the second's log) to look at.
            if ProcessInfo.processInfo.environment["PIPELINEBENCH_KEEP"] == nil {
                try? FileManager.default.removeItem(atPath: source)
                try? FileManager.default.removeItem(atPath: target)
            } else {
                FileHandle.standardError.write(Data("kept \(source) and \(target)\n".utf8))
            }
        }
        try await Harness.produce((0..<alerts).map(Workload.falcoEvent), topic: "bench.runtime", brokers: broker.bootstrapServers, logger: logger)
        _ = try await Harness.runKlaxon(
            dir: source, brokers: broker.bootstrapServers, topics: ["bench.runtime"], messages: alerts, alertsPartitions: partitions,
            properties: properties, logger: logger)

        let records = try await changelogSize(brokers: broker.bootstrapServers, topic: k.changelogTopic, logger: logger)
        guard records >= alerts else { throw BenchFailure("the changelog holds \(records) records for \(alerts) alerts") }

        try Workload.routes(dir: target).write(toFile: target + "/routes.yml", atomically: true, encoding: .utf8)
        let log = target + "/klaxon.log"
        let config = Workload.serviceConfig(brokers: broker.bootstrapServers, dir: target, topics: ["bench.runtime"], alertsPartitions: partitions,
            properties: properties)
        let clock = ContinuousClock()
        let launched = clock.now
        let klaxon = try ChildKlaxon(config: config, dir: target, logLevel: "info", logFile: log)
        defer { klaxon.stop() }
        let deadline = launched + .seconds(900)
        var restored = 0.0
        while restored < Double(records) {
            restored = await klaxon.metric("klaxon_state_restored_records_total")
            guard clock.now < deadline, klaxon.process.isRunning else {
                throw BenchFailure("restored \(Int(restored)) of \(records) records; klaxon \(klaxon.process.isRunning ? "still running after 15 min" : "exited")")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let launchSeconds = Harness.seconds(clock.now - launched)
        let (restoreSeconds, restoredAlerts) = try restoreLines(log)
        guard restoredAlerts == alerts else { throw BenchFailure("restored \(restoredAlerts) alerts, \(alerts) were made") }
        return Result(
            alerts: alerts, records: records, restoredAlerts: restoredAlerts, restoreSeconds: restoreSeconds, launchSeconds: launchSeconds,
            rssMB: klaxon.peakRSSMB, cpuSeconds: klaxon.cpuSeconds)
    }

    /// Records in the changelog now: the sum of its partitions' ends (the embedded broker
    /// writes no transaction markers, and nothing was trimmed at 64 partitions).
    static func changelogSize(brokers: String, topic: String, logger: Logger) async throws -> Int {
        let reader = try KafkaTopicReader(properties: ["bootstrap.servers": brokers], topic: topic, logger: logger)
        let ends = try await reader.assignAll()
        await reader.close()
        return Int(ends.values.reduce(0, +))
    }

    /// The restores' own time and the alerts they wrote, summed over the service's
    /// "alert state restored" lines (one per restore; a second rebalance would add one).
    static func restoreLines(_ path: String) throws -> (seconds: Double, alerts: Int) {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var seconds = 0.0, alerts = 0
        for line in text.split(separator: "\n") where line.contains("alert state restored from the changelog") {
            guard let took = value(of: "took", in: line).flatMap({ Double($0.split(separator: " ").first ?? "") }),
                let written = value(of: "alerts", in: line).flatMap({ Int($0) })
            else { throw BenchFailure("cannot read the restore line: \(line)") }
            seconds += took
            alerts += written
        }
        guard seconds > 0 else { throw BenchFailure("no restore line in \(path)") }
        return (seconds, alerts)
    }

    /// `key=value` from a swift-log line (values run to the next ` word=` or ` [`).
    static func value(of key: String, in line: Substring) -> String? {
        guard let r = line.range(of: " \(key)=") else { return nil }
        let rest = line[r.upperBound...]
        let stops = [rest.range(of: " ["), rest.range(of: #" [a-z_]+="#, options: .regularExpression)].compactMap { $0?.lowerBound }
        return String(rest[..<(stops.min() ?? rest.endIndex)])
    }
}
