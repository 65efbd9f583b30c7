import Foundation
import KlaxonKafka
import KlaxonStore
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// The compacted control topic (`kafka.control_topic`, default `klaxon.control`): silences and
/// false-positive marks made through any instance, applied by every instance.
///
/// As a `Service` it reads the topic whole, every partition from the beginning and outside any
/// consumer group, and applies each record in offset order to the local stores (the
/// materialised view grouping and the noise gate read). Once it has read what the topic held at
/// start, it publishes what the local stores hold and the topic lacks (`ControlReconciliation`),
/// then again every `reconcileInterval`. As a `ControlLog` it writes the API's changes to the
/// topic and answers once the broker acknowledged them and this reader applied them.
///
/// A reload through the API is announced here too (`announceReload`); every other instance
/// repeats it with its own files when it reads the record live. Records it finds when it
/// starts are history: it has just loaded its configuration.
final class ControlTopic: ControlLog, Service {
    let topic: String
    private let reader: KafkaTopicReader
    private let producer: KafkaProducer
    private let applier: ControlApplier
    private let progress = ControlProgress()
    private let lane = SerialLane()
    /// The latest record read per key (the reader task alone writes it).
    private let seen = Mutex<[String: ControlRecord]>([:])
    /// Whether what the topic held at start has been applied.
    private let caughtUp = Mutex(false)
    private let logger: Logger
    /// How long a write waits for this instance to apply it before the API gives up.
    let applyTimeout: Duration
    /// How often local changes the topic lacks are published (30 s).
    let reconcileInterval: Duration = .seconds(30)
    /// This process, in the reload requests it announces (so it does not repeat its own).
    let instanceID = UUID().uuidString
    /// Where the ends of the topic were when reading began: records before them are history.
    private let startEnds = Mutex<[Int32: Int64]>([:])
    /// Repeats a reload another instance announced (set once the reloader exists).
    private let reloadHandler = Mutex<(@Sendable (ReloadRequest) async -> Void)?>(nil)

    /// - Parameter applyTimeout: how long a write waits to be applied here (default 10 s).
    init(
        topic: String, reader: KafkaTopicReader, producer: KafkaProducer, applier: ControlApplier, applyTimeout: Duration = .seconds(10),
        logger: Logger
    ) {
        self.topic = topic
        self.applyTimeout = applyTimeout
        self.reader = reader
        self.producer = producer
        self.applier = applier
        self.logger = logger
    }

    /// Why the instance is not ready yet as far as the control topic goes: empty once what the
    /// topic held at start has been applied.
    var problems: [String] {
        caughtUp.withLock { $0 } ? [] : ["the control topic \(topic) has not been read to its end yet"]
    }

    // MARK: Writing

    func write<T: Sendable>(_ decide: @Sendable () throws -> (T, [ControlRecord])) async throws -> T {
        try await lane.run {
            let (value, records) = try decide()
            guard !records.isEmpty else { return value }
            let reports: [KafkaDeliveryReport]
            do {
                reports = try await producer.sendAll(topic: topic, try records.map { KafkaMessage(key: Data($0.key.utf8), value: try $0.encoded()) })
            } catch {
                throw ApiFailure(.unavailable, "the change was not saved: the control topic \(topic) did not take it: \(error)")
            }
            let last = Dictionary(reports.map { ($0.partition, $0.offset) }, uniquingKeysWith: max)
            for (partition, offset) in last.sorted(by: { $0.key < $1.key }) {
                guard await progress.wait(partition: partition, offset: offset, timeout: applyTimeout) else {
                    throw ApiFailure(
                        .unavailable,
                        "the change was written to the control topic \(topic) (partition \(partition), offset \(offset)) but this "
                            + "instance has not applied it within \(applyTimeout): it takes effect once its reader gets there")
                }
            }
            return value
        }
    }

    /// Asks every other instance to reload its configuration; answers once the broker took it.
    func announceReload(by actor: String, at now: Date) async throws {
        let request = ReloadRequest(
            id: UUID().uuidString, origin: instanceID, host: ProcessInfo.processInfo.hostName, by: actor, at: now)
        let record = ControlRecord.reload(request)
        _ = try await producer.sendAll(topic: topic, [KafkaMessage(key: Data(record.key.utf8), value: try record.encoded())])
    }

    /// Sets what a reload another instance announced runs.
    func onReload(_ handler: @escaping @Sendable (ReloadRequest) async -> Void) {
        reloadHandler.withLock { $0 = handler }
    }

    // MARK: Reading

    func run() async throws {
        defer { progress.close() }
        do {
            try await read()
        } catch {
            await reader.close()
            throw error
        }
        await reader.close()
    }

    private func read() async throws {
        var ends: [Int32: Int64] = [:]
        var warned = false
        var asked = false
        // Until the topic can be read: a broker that is not there yet is waited for (readiness
        // says so); a missing topic is created, or, where the broker refuses (the embedded mock
        // broker does not answer CreateTopics), appears when first written to.
        while true {
            do {
                ends = try await reader.assignAll(timeout: .seconds(5))
                if !ends.isEmpty { break }
                markCaughtUp()  // nothing to read yet
                if !asked {
                    asked = true
                    if try await reader.createIfMissing(partitions: 1, config: ["cleanup.policy": "compact"], timeout: .seconds(5)) { continue }
                    // The topic lacks everything held here; writing it makes the topic.
                    try await reconcile()
                }
            } catch {
                if !warned { logger.warning("cannot read the control topic \(topic) yet (trying every second): \(error)") }
                warned = true
            }
            guard try await pause(.seconds(1)) else { return }
        }
        startEnds.withLock { $0 = ends }
        logger.info("reading the control topic", metadata: ["topic": "\(topic)", "records": "\(ends.values.reduce(0, +))"])
        var reconciled = false
        var lastReconcile = ContinuousClock.now
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let batch = try await reader.poll(maxRecords: 500, maxWait: .milliseconds(250))
            guard try await apply(batch) else { return }
            if !reconciled, ends.allSatisfy({ $0.value == 0 || progress.isApplied(partition: $0.key, offset: $0.value - 1) }) {
                logger.info("control topic read to its end", metadata: ["topic": "\(topic)", "keys": "\(seen.withLock { $0.count })"])
                try await reconcile()
                markCaughtUp()
                reconciled = true
                lastReconcile = .now
            } else if reconciled, ContinuousClock.now - lastReconcile >= reconcileInterval {
                try await reconcile()
                lastReconcile = .now
            }
        }
    }

    /// Applies a batch in offset order. A record that does not decode is counted and logged; a
    /// store that cannot be written is retried (the reader waits rather than skip a change).
    /// Returns false when shutdown began.
    private func apply(_ batch: [KafkaRecord]) async throws -> Bool {
        var marksChanged = false
        for r in batch {
            let record: ControlRecord
            do {
                record = try ControlRecord.decode(r.value)
            } catch {
                Counter(label: "klaxon_control_records_invalid_total").increment()
                logger.error("control record \(r.topic)[\(r.partition)]@\(r.offset) does not decode; skipped: \(error)")
                progress.applied(partition: r.partition, next: r.offset + 1)
                continue
            }
            while true {
                do {
                    if try applier.apply(record), !record.isSilence { marksChanged = true }
                    break
                } catch {
                    logger.error("cannot apply control record \(r.topic)[\(r.partition)]@\(r.offset) (\(record.key)); retrying: \(error)")
                    guard try await pause(.seconds(1)) else { return false }
                }
            }
            seen.withLock { $0[record.key] = record }
            progress.applied(partition: r.partition, next: r.offset + 1)
            if case let .reload(request) = record, request.origin != instanceID, r.offset >= startEnds.withLock({ $0[r.partition] ?? 0 }),
                let handler = reloadHandler.withLock({ $0 })
            {
                logger.notice(
                    "configuration reload asked through another instance", metadata: ["by": "\(request.by)", "instance": "\(request.host)"])
                await handler(request)
            }
        }
        if marksChanged, let rates = try? applier.falsePositives.rates() { FalsePositiveRates.publish(rates) }
        return true
    }

    /// Publishes what the local stores hold and the topic lacks.
    private func reconcile() async throws {
        let records = ControlReconciliation.records(
            silences: try applier.silences.snapshot().silences, marks: try applier.falsePositives.all(), topic: seen.withLock { $0 })
        guard !records.isEmpty else { return }
        logger.notice("publishing local silences and marks the control topic lacks", metadata: ["topic": "\(topic)", "records": "\(records.count)"])
        do {
            _ = try await producer.sendAll(topic: topic, try records.map { KafkaMessage(key: Data($0.key.utf8), value: try $0.encoded()) })
        } catch {
            logger.error("cannot publish local silences and marks to \(topic) (tried again in \(reconcileInterval)): \(error)")
        }
    }

    private func markCaughtUp() { caughtUp.withLock { $0 = true } }

    /// Sleeps unless shutdown begins; false when it did.
    private func pause(_ d: Duration) async throws -> Bool {
        guard !Task.isShuttingDownGracefully else { return false }
        do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: d) } } catch { return false }
        return !Task.isShuttingDownGracefully
    }
}
