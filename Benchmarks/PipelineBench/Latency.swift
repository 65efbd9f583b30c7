import Foundation
import KlaxonCore
import KlaxonKafka
import KlaxonService
import Logging
import Synchronization

/// Produce → webhook latency at a steady rate: every event is its own group (`group_by` on the
/// container, `group_wait: 0s`), so each one is a notification. The webhook receiver stamps
/// arrivals; the event index travels in the container id.
enum Latency {
    struct Result {
        var rate: Int
        var seconds: Int
        var delivered: Int
        var expected: Int
        var complete: Bool
        var p50: Double
        var p99: Double
        var max: Double
        var json: [String: Any] {
            ["rate_per_s": rate, "seconds": seconds, "delivered": delivered, "expected": expected, "complete": complete,
             "p50_ms": p50, "p99_ms": p99, "max_ms": max]
        }
    }

    static func run(rate: Int, seconds: Int, logger: Logger) async throws -> Result {
        // 64 partitions, as the throughput run: the embedded (mock) broker walks a partition's
        // log to find each fetch offset, so short partitions keep the harness's own cost low
        // (27 % of the process with 16 partitions in a profile of this run).
        // `$PIPELINEBENCH_PARTITIONS` changes it (16 reproduces runs before 2026-12-02).
        let partitions = ProcessInfo.processInfo.environment["PIPELINEBENCH_PARTITIONS"].flatMap { Int32($0) } ?? 64
        let broker = try EmbeddedBroker(topics: ["bench.runtime", "bench.deadletter"], partitions: partitions)
        try broker.createStateTopics()
        let dir = Harness.tempDir("latency")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let receiver = Receiver()
        let port = try await receiver.start()
        defer { Task { await receiver.stop() } }
        try routes(url: "http://127.0.0.1:\(port)/alerts").write(toFile: dir + "/routes.yml", atomically: true, encoding: .utf8)
        let configPath = dir + "/klaxon.yml"
        let config = Workload.serviceConfig(brokers: broker.bootstrapServers, dir: dir, topics: ["bench.runtime"])
            .replacingOccurrences(of: "max_wait: 50ms", with: "max_wait: 5ms")
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        let app = try KlaxonApp(config: try LoadedConfig.load(path: configPath), configPath: configPath, signals: false, logger: logger)
        let running = Task { try await app.run() }

        // Warm up: one event, delivered, so the consumer group has joined before timing starts.
        let producer = try KafkaProducer(properties: ["bootstrap.servers": broker.bootstrapServers, "linger.ms": "0"], logger: logger)
        let total = rate * seconds
        let sentAt = Mutex([ContinuousClock.Instant?](repeating: nil, count: total + 1))
        sentAt.withLock { $0[total] = .now }
        _ = try await producer.send(topic: "bench.runtime", value: Workload.falcoEvent(total))
        try await until(.seconds(60)) { receiver.count >= 1 }

        // A steady rate: event i leaves at start + i/rate.
        let start = ContinuousClock.now
        try await withThrowingDiscardingTaskGroup { group in
            for i in 0..<total {
                let due = start + .nanoseconds(Int64(i) * 1_000_000_000 / Int64(rate))
                if due > .now { try await Task.sleep(until: due) }
                sentAt.withLock { $0[i] = .now }
                group.addTask { _ = try await producer.send(topic: "bench.runtime", value: Workload.falcoEvent(i)) }
            }
        }
        // What has not arrived 60 s after the last event is reported as missing, not waited for.
        let complete = (try? await until(.seconds(60)) { receiver.count >= total + 1 }) != nil
        await producer.close()
        await app.shutdown()
        try await running.value

        let sent = sentAt.withLock { $0 }
        var latencies: [Double] = []
        for (index, at) in receiver.arrivals where index < total {
            if let s = sent[index] { latencies.append(Harness.seconds(at - s) * 1000) }
        }
        latencies.sort()
        func pct(_ p: Double) -> Double { latencies.isEmpty ? .nan : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
        return Result(rate: rate, seconds: seconds, delivered: latencies.count, expected: total, complete: complete,
                      p50: pct(0.5), p99: pct(0.99), max: latencies.last ?? .nan)
    }

    static func routes(url: String) -> String {
        """
        route:
          receiver: hook
          group_by: ['container']
          group_wait: 0s
          group_interval: 5m
        receivers:
          - name: hook
            webhook_configs: [{url: '\(url)'}]
        environment_thresholds: {}
        """
    }

    static func until(_ timeout: Duration, _ done: () -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !done() {
            guard ContinuousClock.now < deadline else { throw BenchFailure("timed out waiting for deliveries") }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    /// A webhook receiver that stamps each alert's arrival by the event index in its container id.
    final class Receiver: Sendable {
        private let stamps = Mutex<[(Int, ContinuousClock.Instant)]>([])
        private let server = BenchServer()

        var count: Int { stamps.withLock { $0.count } }
        var arrivals: [(Int, ContinuousClock.Instant)] { stamps.withLock { $0 } }

        func start() async throws -> Int {
            try await server.start { [self] _, body, at in
                let json = try JSONSerialization.jsonObject(with: body) as? [String: Any]
                let alerts = json?["alerts"] as? [[String: Any]] ?? []
                let indices = alerts.compactMap { ($0["labels"] as? [String: String])?["container"].flatMap { Int($0, radix: 16) } }
                stamps.withLock { s in for i in indices { s.append((i, at)) } }
            }
        }
        func stop() async { await server.stop() }
    }
}
