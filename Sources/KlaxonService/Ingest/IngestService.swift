import Foundation
import KlaxonCore
import KlaxonKafka
import KlaxonStore
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// The ingest stage (docs/scaling.md): a batch of raw messages → decoded, normalized and split
/// by owning partition (`IngestPlan`, pure) → dead letters acknowledged by the broker → the
/// `klaxon.alerts` records and the input offsets in one Kafka transaction → the same offsets
/// committed plainly as well (the embedded broker drops transactional offsets; on Kafka this
/// rewrites the values just committed). Stateless: after a crash the batches since the last
/// commit are read again, and the state stage's ledger counts such a message twice.
final class IngestService: Service {
    let consumer: KafkaConsumer
    let producer: KafkaTransactionalProducer
    let processor: BatchProcessor
    let partitioner: StatePartitioner
    let alertsTopic: String
    /// The largest `klaxon.alerts` record the producer sends.
    let maxRecordBytes: Int
    let deadLetters: DeadLetterPublisher
    let settings: KafkaSettings
    let logger: Logger
    let ready: ReadyFlag
    /// Why the stage cannot hand off yet (the alerts topic is missing or unreadable), for `/readyz`.
    private let topicProblem = Mutex<String?>(nil)
    var problems: [String] { topicProblem.withLock { $0.map { [$0] } ?? [] } }

    init(
        consumer: KafkaConsumer, producer: KafkaTransactionalProducer, processor: BatchProcessor, partitioner: StatePartitioner,
        maxRecordBytes: Int, deadLetters: DeadLetterPublisher, settings: KafkaSettings, ready: ReadyFlag, logger: Logger
    ) {
        self.maxRecordBytes = maxRecordBytes
        self.consumer = consumer
        self.producer = producer
        self.processor = processor
        self.partitioner = partitioner
        self.alertsTopic = settings.alertsTopic
        self.deadLetters = deadLetters
        self.settings = settings
        self.ready = ready
        self.logger = logger
    }

    func run() async throws {
        ready.set(true)
        defer {
            ready.set(false)
            logger.info("ingest stopped")
        }
        let started = try await ensureAlertsTopic()
        if started { try await producer.registerRetrying(stage: "hand-off", logger: logger) }
        var retryDelay = Duration.milliseconds(100)
        while started && !Task.isCancelled && !Task.isShuttingDownGracefully && !consumer.isClosed {
            let batch = try await consumer.poll(maxRecords: settings.batchMaxRecords, maxWait: settings.batchMaxWait)
            guard !batch.isEmpty else { continue }
            if try await handOff(batch) {
                retryDelay = .milliseconds(100)
            } else {
                // The consumer was rewound: the next poll returns the batch again.
                try? await Task.sleep(for: retryDelay)
                retryDelay = min(retryDelay * 2, .seconds(10))
            }
        }
        await consumer.close()
        await producer.close()
    }

    /// Creates `kafka.alerts_topic` with `alerts_partitions` when missing, retrying while the
    /// cluster cannot be asked (nothing is consumed meanwhile: a topic auto-created by the
    /// first record would get the broker's default count). Refuses to run against a topic with
    /// another count: alerts are owned by `fingerprint mod count`, so instances that disagree
    /// would split one alert's state. False when shut down while waiting.
    private func ensureAlertsTopic() async throws -> Bool {
        guard let count = await producer.ensureTopicRetrying(
            alertsTopic, partitions: settings.alertsPartitions, config: ["max.message.bytes": String(maxRecordBytes + (1 << 16))],
            key: "kafka.alerts_topic", hint: "create it by hand with that many", logger: logger, problem: topicProblem)
        else { return false }
        guard count == Int(settings.alertsPartitions) else {
            throw StartError(
                "topic \(alertsTopic) (kafka.alerts_topic) has \(count) partitions but kafka.alerts_partitions is \(settings.alertsPartitions): "
                    + "set alerts_partitions to \(count) (alert state is keyed by it and every instance must agree), "
                    + "or point alerts_topic at a new topic")
        }
        return true
    }

    struct StartError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// One batch handed to the state stage; false when the transaction was aborted.
    private func handOff(_ batch: [KafkaRecord]) async throws -> Bool {
        let plan = IngestPlan.make(batch, processor: processor, partitioner: partitioner, now: Date(), maxRecordBytes: maxRecordBytes)
        try await deadLetters.publish(plan.deadLetters)
        let outputs = plan.outputs.map {
            KafkaOutgoing(topic: alertsTopic, message: KafkaMessage(value: $0.value, partition: $0.partition))
        }
        switch try await producer.handOff(outputs, consuming: batch, from: consumer) {
        case .committed:
            Failpoint.hit(.crashAfterHandOff)
            try consumer.commitAsync(KafkaOffset.after(batch))
            logger.debug(
                "batch handed off",
                metadata: ["records": "\(batch.count)", "outputs": "\(outputs.count)", "deadletters": "\(plan.deadLetters.count)"])
            return true
        case .aborted(let error):
            logger.warning("hand-off to \(alertsTopic) aborted, reading the batch again: \(error)")
            Counter(label: "klaxon_ingest_handoffs_aborted_total").increment()
            return false
        }
    }
}
