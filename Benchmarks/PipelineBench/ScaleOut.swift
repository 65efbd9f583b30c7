import Foundation
import KlaxonCore
import KlaxonKafka
import KlaxonService
import Logging

/// End-to-end events/s with 1, 2 and 3 `klaxon run` processes in one consumer group (issue
/// #14, docs/scaling.md): each count on a fresh embedded broker (in this process, as every
/// PipelineBench mode) with the same input. The instances start on empty topics and the input
/// is produced once every one is ready (holds partitions), so the group's joins and rebalances
/// are not timed. The clock runs from the start of the produce to the last input record
/// handled by the state stage: from the first one handled (as `throughput` does) would leave
/// out what ingest did before the state stage's first batch, which a first run of this mode
/// showed to be most of the work when a state consumer is slow to start (3 instances: 30
/// CPU-s in a 5.3 s window on 2 cores). Producing the 100,000 events alone takes ~1 s
/// (`produce_seconds`). CPU-seconds count from ready. Rounds alternate the counts (1, 2, 3,
/// 1, 2, 3, …) so a noisy neighbour hits each alike.
enum ScaleOut {
    struct Run {
        var instances: Int
        var events: Int
        var seconds: Double
        var produceSeconds: Double
        /// Per instance: input records it handled, its CPU-seconds and peak RSS.
        var handled: [Int]
        var cpuSeconds: [Double]
        var rssMB: [Double]
        /// This process's CPU-seconds during the run: the embedded broker, the producer, the scrapes.
        var brokerCPUSeconds: Double
        var rate: Double { Double(events) / seconds }
        var json: [String: Any] {
            ["instances": instances, "events": events, "seconds": seconds, "produce_seconds": produceSeconds, "events_per_s": rate, "handled": handled,
             "cpu_seconds": cpuSeconds, "peak_rss_mb": rssMB, "broker_cpu_seconds": brokerCPUSeconds]
        }
    }

    /// A member that joins waits less for the group to settle (see `Restore.properties`).
    static let properties = ["session.timeout.ms": "6000"]

    static func run(instances n: Int, events: Int, logger: Logger) async throws -> Run {
        let broker = try EmbeddedBroker(topics: ["bench.runtime", "bench.deadletter"], partitions: 64)
        try broker.createStateTopics()
        let dirs = (0..<n).map { Harness.tempDir("scale-\(n)-\($0)") }
        defer { for dir in dirs { try? FileManager.default.removeItem(atPath: dir) } }
        var children: [ChildKlaxon] = []
        defer { for child in children { child.stop() } }
        for dir in dirs {
            try Workload.routes(dir: dir).write(toFile: dir + "/routes.yml", atomically: true, encoding: .utf8)
            let config = Workload.serviceConfig(brokers: broker.bootstrapServers, dir: dir, topics: ["bench.runtime"], properties: properties)
            children.append(try ChildKlaxon(config: config, dir: dir))
        }
        try await waitUntilReady(children)

        let inputs = (0..<events).map(Workload.falcoEvent)
        let clock = ContinuousClock()
        let (brokerCPU, childCPU) = (AlertmanagerRace.cpu(getpid()), children.map(\.cpuSeconds))
        let start = clock.now
        try await Harness.produce(inputs, topic: "bench.runtime", brokers: broker.bootstrapServers, logger: logger)
        let produced = Harness.seconds(clock.now - start)
        let deadline = clock.now + .seconds(1_800)
        var handled = Array(repeating: 0, count: n)
        while handled.reduce(0, +) < events {
            for (i, child) in children.enumerated() { handled[i] = await child.handled() }
            guard clock.now < deadline, children.allSatisfy(\.process.isRunning) else {
                throw BenchFailure("\(n) instances handled \(handled.reduce(0, +)) of \(events) (\(handled)); an instance exited or 30 min passed")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return Run(
            instances: n, events: events, seconds: Harness.seconds(clock.now - start), produceSeconds: produced, handled: handled,
            cpuSeconds: zip(children, childCPU).map { $0.cpuSeconds - $1 }, rssMB: children.map(\.peakRSSMB),
            brokerCPUSeconds: AlertmanagerRace.cpu(getpid()) - brokerCPU)
    }

    /// Every instance answers `/readyz` 200 (it holds a partition, the internal topics are read)
    /// on two polls a second apart, so a rebalance a later join started has ended.
    static func waitUntilReady(_ children: [ChildKlaxon]) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(120)
        var streak = 0
        while streak < 2 {
            var all = true
            for child in children where !(await child.ready()) { all = false }
            streak = all ? streak + 1 : 0
            guard clock.now < deadline, children.allSatisfy(\.process.isRunning) else {
                throw BenchFailure("\(children.count) instances not all ready within 120 s")
            }
            try await Task.sleep(for: .seconds(1))
        }
    }

    /// The median run of each instance count over `rounds` rounds.
    static func medians(_ runs: [Run]) -> [Run] {
        Dictionary(grouping: runs, by: \.instances).keys.sorted().map { n in
            let sorted = runs.filter { $0.instances == n }.sorted { $0.rate < $1.rate }
            return sorted[sorted.count / 2]
        }
    }
}
