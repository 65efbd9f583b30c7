import Foundation
import KlaxonCore
import KlaxonDelivery
import KlaxonKafka
import KlaxonStore
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// The consumer loop: a batch → decode and normalize (pure) → dead letters acknowledged by the
/// broker → alert state and noise decisions in one SQLite transaction → commit offsets → hand
/// the changed alerts to grouping. Decoding the next batch overlaps the write of the current
/// one. On graceful shutdown it finishes the batches in hand, commits, and leaves the group.
final class IngestService: Service {
    let consumer: KafkaConsumer
    let processor: BatchProcessor
    let store: AlertStore
    let deadLetters: DeadLetterPublisher
    let grouping: GroupingEngine
    let noise: NoiseGate
    let settings: KafkaSettings
    let logger: Logger
    let ready: ReadyFlag
    /// Records handed to grouping since start (for the demo and tests to wait on).
    let handled = HandledCounter()

    init(
        consumer: KafkaConsumer, processor: BatchProcessor, store: AlertStore, deadLetters: DeadLetterPublisher,
        grouping: GroupingEngine, noise: NoiseGate, settings: KafkaSettings, ready: ReadyFlag, logger: Logger
    ) {
        self.noise = noise
        self.ready = ready
        self.consumer = consumer
        self.processor = processor
        self.store = store
        self.deadLetters = deadLetters
        self.grouping = grouping
        self.settings = settings
        self.logger = logger
    }

    /// A polled batch, already decoded.
    struct Decoded: Sendable {
        var batch: [KafkaRecord]
        var output: BatchProcessor.Output
        var now: Date
    }

    func run() async throws {
        ready.set(true)
        defer {
            ready.set(false)
            logger.info("ingest stopped")
        }
        // Two stages on two cores: the next batch is polled and decoded while the current one
        // is written. Graceful shutdown stops the polling; a batch already read is still
        // written and committed, so a clean stop re-reads nothing.
        var next = try await read()
        while let current = next {
            async let following = read()
            try await write(current)
            next = try await following
        }
        await consumer.close()
    }

    /// Polls until a batch arrives (nil on shutdown or close) and decodes it.
    private func read() async throws -> Decoded? {
        while !Task.isCancelled && !Task.isShuttingDownGracefully && !consumer.isClosed {
            let batch = try await consumer.poll(maxRecords: settings.batchMaxRecords, maxWait: settings.batchMaxWait)
            guard !batch.isEmpty else { continue }
            let now = Date()
            return Decoded(batch: batch, output: processor.process(batch, now: now), now: now)
        }
        return nil
    }

    /// Dead letters acknowledged by the broker → state in one transaction → offsets committed
    /// (asynchronously, after the durable write) → changes handed to grouping.
    private func write(_ decoded: Decoded) async throws {
        let (batch, out, now) = (decoded.batch, decoded.output, decoded.now)
        try await deadLetters.publish(out.deadLetters)
        let result = try await store.applyOffPool(out.write, decide: { [noise] in noise.decide($0, $1, $2, $3) })
        Failpoint.hit(.crashBeforeCommit)
        try consumer.commitAsync(KafkaOffset.after(batch))
        // Grouping is rebuilt from the store on start, so handing it the changes after the
        // commit loses nothing if the process dies in between.
        await grouping.add(result.changes, now: now)
        handled.add(batch.count)

        for (topic, n) in Dictionary(grouping: batch, by: \.topic).mapValues(\.count) {
            Counter(label: "klaxon_messages_consumed_total", dimensions: [("topic", topic)]).increment(by: n)
        }
        for (source, n) in out.alertsBySource {
            Counter(label: "klaxon_alerts_decoded_total", dimensions: [("source", source)]).increment(by: n)
        }
        var suppressed: [SuppressionReason: Int] = [:]
        for d in result.decisions { if let r = d.reason { suppressed[r, default: 0] += 1 } }
        for (reason, n) in suppressed {
            Counter(label: "klaxon_alerts_suppressed_total", dimensions: [("reason", reason.rawValue)]).increment(by: n)
        }
        logger.debug(
            "batch handled",
            metadata: [
                "records": "\(batch.count)", "alerts": "\(out.write.reports.count)", "deadletters": "\(out.deadLetters.count)",
                "changed": "\(result.changes.count)",
            ])
    }
}

/// A count shared between the ingest loop and whoever waits on it.
final class HandledCounter: Sendable {
    private let value = Mutex(0)
    var count: Int { value.withLock { $0 } }
    func add(_ n: Int) { value.withLock { $0 += n } }
}
