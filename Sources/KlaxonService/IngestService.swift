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
/// the changed alerts to grouping. On graceful shutdown it finishes the batch in hand, commits,
/// and leaves the group.
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

    func run() async throws {
        ready.set(true)
        defer {
            ready.set(false)
            logger.info("ingest stopped")
        }
        // Graceful shutdown ends the sequence between batches: the batch in hand is always
        // handled and committed first.
        let batches = consumer.batches(maxRecords: settings.batchMaxRecords, maxWait: settings.batchMaxWait)
        for try await batch in batches.cancelOnGracefulShutdown() {
            try await handle(batch)
        }
        await consumer.close()
    }

    func handle(_ batch: [KafkaRecord]) async throws {
        let now = Date()
        let out = processor.process(batch, now: now)
        try await deadLetters.publish(out.deadLetters)
        let result = try store.apply(out.write, decide: noise.decide)
        Failpoint.hit(.crashBeforeCommit)
        try await consumer.commit(KafkaOffset.after(batch))
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

/// Flushes due groups into the outbox every `tick` and wakes the dispatcher when it queued
/// something. On graceful shutdown it flushes what is due one last time.
struct GroupingService: Service {
    let grouping: GroupingEngine
    let dispatcher: OutboxDispatcher
    let logger: Logger
    var tick: Duration = .milliseconds(250)

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await flushOnce()
            try? await Task.sleep(for: tick)
        }
        await flushOnce()
    }

    private func flushOnce() async {
        do {
            if try await grouping.flush(now: Date()) > 0 { dispatcher.nudge() }
        } catch {
            logger.error("cannot record a group flush (retried next tick): \(error)")
        }
    }
}
