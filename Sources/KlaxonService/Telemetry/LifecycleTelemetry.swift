import Foundation
import KlaxonCore
import KlaxonKafka
import KlaxonStore
import Metrics
import Synchronization

/// The lifecycle side of `/metrics`: series that exist from start at zero (SLA breaches,
/// the `klaxon_time_to_*_seconds` histograms of the configured sources, `klaxon_alerts`),
/// `klaxon_build_info`, and what is read at each scrape: alerts by status, consumer lag, the
/// alerts partitions owned, offset resets past deleted records and process metrics.
final class LifecycleTelemetry: Sendable {
    /// Reported as `klaxon_build_info{version}`.
    static let version = "0.1.0"
    /// Severities primed at zero (the ones SLAs are set for).
    static let severities = ["critical", "high", "medium", "low"]

    private let census: AlertCensus
    /// The stages' consumers: raw topics and `klaxon.alerts`.
    private let consumers: [KafkaConsumer]
    /// Label sets reported before, so one that empties drops to 0 instead of keeping its last value.
    private let alertKeys = Mutex<Set<AlertCensus.Key>>([])
    private let lagKeys = Mutex<Set<TopicPartition>>([])
    /// Offset resets already added to `klaxon_consumer_offset_resets_total`.
    private let resetsSeen = Mutex<[String: Int]>([:])
    private let process = ProcessMetrics()
    /// How many `klaxon.alerts` partitions this instance owns (assigned and restored).
    private let ownedPartitions: @Sendable () -> Int
    /// Which alerts the census counts (`PartitionOwnership.heldNow`): not the stale copies of
    /// partitions given away, which their owner counts.
    private let held: @Sendable () -> (@Sendable (Fingerprint) -> Bool)?

    /// - Parameter sources: sources whose histograms and gauges exist from start (the
    ///   configured topics' formats; `auto` topics add none until a first alert).
    init(
        census: AlertCensus, consumers: [KafkaConsumer], sources: [String], ownedPartitions: @escaping @Sendable () -> Int = { 0 },
        held: @escaping @Sendable () -> (@Sendable (Fingerprint) -> Bool)? = { nil }
    ) {
        self.held = held
        self.census = census
        self.consumers = consumers
        self.ownedPartitions = ownedPartitions
        Gauge(label: "klaxon_build_info", dimensions: [("version", Self.version)]).record(1)
        for topic in consumers.flatMap(\.topics) {
            _ = Counter(label: "klaxon_consumer_offset_resets_total", dimensions: [("topic", topic)])
        }
        for severity in Self.severities {
            for kind in SLAKind.allCases {
                _ = Counter(label: "klaxon_sla_breaches_total", dimensions: [("severity", severity), ("kind", kind.rawValue)])
            }
            for source in sources {
                for m in LifecycleMeasure.allCases {
                    _ = Recorder(label: m.metricName, dimensions: [("severity", severity), ("source", source)], aggregate: true)
                }
            }
        }
        let primed = Set(sources.flatMap { source in
            Self.severities.flatMap { severity in
                [AlertState.Status.firing, .acknowledged, .resolved].map { AlertCensus.Key(status: $0.rawValue, severity: severity, source: source) }
            }
        })
        alertKeys.withLock { $0 = primed }
        read()
    }

    /// Where a scrape reads the census: off the cooperative pool, so `/metrics` neither holds
    /// one of its threads for the scan nor waits for one that grouping or delivery hold.
    private let io = OffPool("klaxon.metrics")

    /// Reads the current values; called before each scrape.
    func refresh() async {
        _ = try? await io.run { [self] in read() }
    }

    private func read() {
        if let counts = try? census.counts(held: held()) {
            let keys = alertKeys.withLock { keys in
                keys.formUnion(counts.keys)
                return keys
            }
            for key in keys {
                Gauge(label: "klaxon_alerts", dimensions: [("status", key.status), ("severity", key.severity), ("source", key.source)])
                    .record(counts[key] ?? 0)
            }
        }
        if !consumers.isEmpty {
            let lag = consumers.reduce(into: [TopicPartition: Int64]()) { all, c in all.merge(c.lag()) { a, _ in a } }
            let keys = lagKeys.withLock { keys in
                keys.formUnion(lag.keys)
                return keys
            }
            for tp in keys {
                Gauge(label: "klaxon_consumer_lag", dimensions: [("topic", tp.topic), ("partition", "\(tp.partition)")]).record(lag[tp] ?? 0)
            }
        }
        Gauge(label: "klaxon_state_owned_partitions").record(ownedPartitions())
        // Per topic: a partition label would leave the series absent until the first reset.
        let resets = Dictionary(KafkaOffsetResets.snapshot().map { ($0.key.topic, $0.value) }, uniquingKeysWith: +)
        let added = resetsSeen.withLock { seen in
            defer { seen = resets }
            return resets.compactMap { topic, n in n > (seen[topic] ?? 0) ? (topic, n - (seen[topic] ?? 0)) : nil }
        }
        for (topic, n) in added {
            Counter(label: "klaxon_consumer_offset_resets_total", dimensions: [("topic", topic)]).increment(by: n)
        }
        process.refresh()
    }
}
