import Foundation
import KlaxonCore
import KlaxonKafka
import KlaxonStore
import Logging
import Metrics
import Synchronization

/// The state stage's side of `kafka.changelog_topic` (docs/scaling.md, *Local stores and
/// restore*). Every alert state the store changed goes to the changelog partition of its
/// `klaxon.alerts` partition, in one Kafka transaction with the input offsets of the batch that
/// changed it. A partition this instance is given restores from there before any of its records
/// are applied, so a partition that moves takes its alerts' dedup and lifecycle state along.
///
/// Only an owner writes a partition's changelog: an owner has read the partition to its end
/// before producing, so everything after the offset it read up to is its own.
final class StateChangelog: Sendable {
    let topic: String
    let partitioner: StatePartitioner
    let producer: KafkaTransactionalProducer
    let store: AlertStore
    /// The lifecycle fields (first notification, SLA breaches, escalations) that go beside
    /// each alert's record.
    let lifecycle: LifecycleChangelog
    /// Where threshold counts a restore wrote go next: the noise gate's tracker.
    let restoredThresholds: @Sendable ([ThresholdKeySnapshot]) -> Void
    /// Notifications decided and not sent yet, which go beside their first alert's record.
    let outbox: Outbox
    /// Called when a restore queued another instance's unsent notifications (wakes delivery).
    let restoredDeliveries: @Sendable () -> Void
    /// What groups last notified, each entry on its group's partition.
    let notificationLog: NotificationLogChangelog
    /// Where the merged entries a restore wrote go next: grouping's notification log.
    let restoredLog: @Sendable ([String: GroupScheduler.LogEntry]) async -> Void
    /// librdkafka properties for the reader a restore opens (bootstrap, security).
    let readerProperties: [String: String]
    /// The largest record the producer takes: a bigger one would fail every hand-off.
    let maxRecordBytes: Int
    let logger: Logger
    /// Longest a restore may take before the state stage stops with an error.
    let restoreTimeout: Duration

    /// Per changelog partition, the assignment epoch whose restore is done (partitions given
    /// again since are restored again: someone else may have written in between).
    private let restored = Mutex<[Int32: UInt64]>([:])
    /// Why the topic cannot be had yet, while it cannot.
    private let topicProblem = Mutex<String?>(nil)
    /// Per partition, the offset after the last record this instance read or produced there.
    private let positions = Mutex<[Int32: Int64]>([:])
    /// The restore under way: its partitions, the records read so far, and why the last
    /// attempt failed (a broker that does not answer is waited for, up to `restoreTimeout`).
    private let restoring = Mutex<(partitions: [Int32], read: Int, problem: String?)?>(nil)

    init(
        topic: String, partitioner: StatePartitioner, producer: KafkaTransactionalProducer, store: AlertStore,
        lifecycle: LifecycleChangelog, restoredThresholds: @escaping @Sendable ([ThresholdKeySnapshot]) -> Void = { _ in },
        outbox: Outbox, restoredDeliveries: @escaping @Sendable () -> Void = {},
        notificationLog: NotificationLogChangelog, restoredLog: @escaping @Sendable ([String: GroupScheduler.LogEntry]) async -> Void = { _ in },
        readerProperties: [String: String], maxRecordBytes: Int = 1_000_000 - (1 << 16), restoreTimeout: Duration = .seconds(300),
        ownerNotices: (queue: OwnerNotices, topic: String)? = nil, logger: Logger
    ) {
        self.ownerNotices = ownerNotices
        self.maxRecordBytes = maxRecordBytes
        self.notificationLog = notificationLog
        self.restoredLog = restoredLog
        self.outbox = outbox
        self.restoredDeliveries = restoredDeliveries
        self.restoredThresholds = restoredThresholds
        self.topic = topic
        self.partitioner = partitioner
        self.producer = producer
        self.store = store
        self.lifecycle = lifecycle
        self.readerProperties = readerProperties
        self.restoreTimeout = restoreTimeout
        self.logger = logger
    }

    /// Creates the topic (compacted, one partition per alerts partition) when missing, retrying
    /// while the cluster cannot be asked; refuses an existing one with another count; readies
    /// the transactional producer. False when shut down while waiting.
    func start() async throws -> Bool {
        guard let count = await producer.ensureTopicRetrying(
            topic, partitions: partitioner.partitions, config: ["cleanup.policy": "compact"], key: "kafka.changelog_topic",
            hint: "create it by hand with that many and cleanup.policy=compact", logger: logger, problem: topicProblem)
        else { return false }
        guard count == Int(partitioner.partitions) else {
            throw StateChangelogError(
                "topic \(topic) (kafka.changelog_topic) has \(count) partitions but kafka.alerts_partitions is \(partitioner.partitions): "
                    + "the changelog needs one partition per alerts partition")
        }
        try await producer.registerRetrying(stage: "state stage", logger: logger)
        return true
    }

    /// Why the instance is not ready as far as the alert state goes: the topic cannot be had,
    /// or a restore is under way (the API would answer from part of the state).
    var problems: [String] {
        var out = topicProblem.withLock { $0.map { [$0] } ?? [] }
        if let r = restoring.withLock({ $0 }) {
            out.append(
                "restoring the alert state of partitions \(r.partitions.map(String.init).joined(separator: ",")) from \(topic) "
                    + "(\(r.read) records read\(r.problem.map { "; last attempt: \($0)" } ?? ""))")
        }
        return out
    }

    /// Whether lifecycle fields wait for the changelog (checked on idle polls; a failed read
    /// waits for the next batch, whose hand-off reports the error).
    var lifecycleWaiting: Bool { (try? lifecycle.waiting()) ?? false }

    /// Whether unsent notifications (or outcomes of ones carried) wait for the changelog.
    var outboxWaiting: Bool { (try? outbox.changelogWaiting()) ?? false }

    /// Whether notification-log entries wait for the changelog.
    var logWaiting: Bool { (try? notificationLog.waiting()) ?? false }

    /// Flushes' `notified` commands for other instances' alerts, and the topic they go to
    /// (`klaxon.alerts`, the alert's partition): produced in the hand-off's transaction.
    private let ownerNotices: (queue: OwnerNotices, topic: String)?

    /// Whether `notified` commands wait for a hand-off.
    var noticesWaiting: Bool { (try? ownerNotices?.queue.waiting()) ?? false }

    /// The partitions of `assigned` restored for that assignment: the ones this instance owns.
    func owned(_ assigned: [Int32: UInt64]) -> Set<Int32> {
        restored.withLock { r in Set(assigned.filter { r[$0.key] == $0.value }.keys) }
    }

    /// Whether some assigned partition has not been restored for its current assignment.
    func needsRestore(_ assigned: [Int32: UInt64]) -> Bool {
        restored.withLock { r in assigned.contains { r[$0.key] != $0.value } }
    }

    /// Restores every assigned partition whose assignment changed since its last restore:
    /// reads its changelog from where this store last read up to, or from the beginning, to
    /// the end as of now, and writes each alert's last state into the store. A Kafka error
    /// (a broker that does not answer) is retried with backoff; after `restoreTimeout` the
    /// error is thrown and the state stage stops.
    /// - Returns: the partitions restored and the alerts read that grouping takes (admitted).
    @discardableResult
    func restore(_ assigned: [Int32: UInt64]) async throws -> Restored {
        let stale = restored.withLock { r in
            r = r.filter { assigned[$0.key] != nil }
            return assigned.filter { r[$0.key] != $0.value }
        }
        guard !stale.isEmpty else { return Restored() }
        let started = ContinuousClock.now
        restoring.withLock { $0 = (stale.keys.sorted(), 0, nil) }
        defer { restoring.withLock { $0 = nil } }
        let stored = try store.changelogPositions(topic: topic)
        var backoff = Duration.milliseconds(500)
        var (read, written) = (0, 0)
        var admitted: Set<Fingerprint> = []
        while true {
            // Each attempt reads from the same starts: a state applied twice comes out the same.
            let starts: [Int32: Int64?] = positions.withLock { mine in
                Dictionary(uniqueKeysWithValues: stale.keys.map { p in (p, mine[p] ?? stored[p]) })
            }
            restoring.withLock { $0?.read = 0 }
            do {
                let reader = try KafkaTopicReader(properties: readerProperties, topic: topic, logger: logger)
                do {
                    (read, written, admitted) = try await replay(reader, starts: starts, stale: stale, started: started)
                } catch {
                    await reader.close()
                    throw error
                }
                await reader.close()
                break
            } catch let error as KafkaError where !error.isFatal && ContinuousClock.now - started + backoff < restoreTimeout {
                restoring.withLock { $0?.problem = "\(error)" }
                logger.warning("restoring the alert state failed, trying again", metadata: ["in": "\(backoff)", "error": "\(error)"])
                try await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(30))
            }
        }
        restored.withLock { r in for (p, epoch) in stale { r[p] = epoch } }
        Counter(label: "klaxon_state_restored_records_total").increment(by: read)
        logger.info("alert state restored from the changelog", metadata: [
            "partitions": "\(stale.keys.sorted().map(String.init).joined(separator: ","))", "records": "\(read)", "alerts": "\(written)",
            "took": "\(started.duration(to: ContinuousClock.now))",
        ])
        return Restored(partitions: Set(stale.keys), alerts: admitted)
    }

    /// What a restore read: its partitions, and the alerts whose last record is admitted (in
    /// some group), which grouping takes in (`GroupingEngine.own`).
    struct Restored: Sendable {
        var partitions: Set<Int32> = []
        var alerts: Set<Fingerprint> = []
    }

    /// Reads the partitions from `starts` to their ends into the store; returns the records
    /// read, the alerts written and the admitted ones. Records its positions once everything is in.
    private func replay(
        _ reader: KafkaTopicReader, starts: [Int32: Int64?], stale: [Int32: UInt64], started: ContinuousClock.Instant
    ) async throws -> (read: Int, written: Int, admitted: Set<Fingerprint>) {
        let clock = ContinuousClock()
        let ranges = try await reader.assign(from: starts)
        let ends = ranges.mapValues(\.end)
        // A partition read from its beginning has reached nothing until a record or the
        // reader's position says where it is (unless it is empty). A compacted partition keeps
        // its last record, so one that is not empty always shows one.
        var reached = ranges.mapValues { $0.start ?? ($0.end == 0 ? 0 : -1) }
        var pending: [AlertChangelogRecord] = []
        // Applied after every alert record, so each finds its alert's row.
        var lifecycles: [Fingerprint: LifecycleChangelogRecord] = [:]
        var counts: [ThresholdKeySnapshot] = []
        var deliveries: [OutboxChangelogRecord] = []
        // Each partition's last share of a key: its earlier versions are history.
        var logShares: [String: NotificationLogRecord] = [:]
        var (read, written, corrupt) = (0, 0, 0)
        // Each alert's last record decides whether grouping takes it.
        var admitted: [Fingerprint: Bool] = [:]
        while !ends.allSatisfy({ p, end in (reached[p] ?? 0) >= end }) {
            guard clock.now - started < restoreTimeout else {
                throw StateChangelogError(
                    "restoring partitions \(stale.keys.sorted()) of \(topic) took longer than \(restoreTimeout): read \(read) records, "
                        + "positions \(reached.sorted { $0.key < $1.key }), ends \(ends.sorted { $0.key < $1.key })")
            }
            let records = try await reader.poll(maxRecords: 5_000, maxWait: .milliseconds(250))
            restoring.withLock { $0?.read += records.count }
            for r in records {
                read += 1
                reached[r.partition] = max(reached[r.partition] ?? 0, r.offset + 1)
                do {
                    if r.value.first == LifecycleChangelogCodec.version {
                        let l = try LifecycleChangelogCodec.decode(r.value)
                        lifecycles[l.fingerprint] = l
                    } else if r.value.first == ThresholdChangelogCodec.version {
                        counts.append(try ThresholdChangelogCodec.decode(r.value, partition: r.partition))
                    } else if r.value.first == OutboxChangelogCodec.version {
                        deliveries.append(try OutboxChangelogCodec.decode(r.value))
                    } else if r.value.first == NotificationLogChangelogCodec.version {
                        let share = try NotificationLogChangelogCodec.decode(r.value)
                        logShares["\(r.partition)/\(share.logKey)"] = share
                    } else {
                        let record = try AlertChangelogCodec.decode(r.value)
                        admitted[record.fingerprint] = record.admitted
                        pending.append(record)
                    }
                } catch {
                    // A damaged record is not a state: the alert keeps what this store holds.
                    corrupt += 1
                    logger.error("skipping a state changelog record", metadata: ["partition": "\(r.partition)", "offset": "\(r.offset)", "error": "\(error)"])
                }
            }
            // Past transaction markers, which no record shows.
            for (p, position) in reader.positions(of: Array(ends.keys)) { reached[p] = max(reached[p] ?? 0, position) }
            if pending.count >= 10_000 {
                written += try await store.restoreOffPool(pending)
                pending.removeAll(keepingCapacity: true)
            }
        }
        written += try await store.restoreOffPool(pending)
        if !lifecycles.isEmpty {
            try await lifecycle.restoreOffPool(Array(lifecycles.values))
        }
        if !counts.isEmpty {
            restoredThresholds(try await store.thresholds.restoreOffPool(counts))
        }
        if !logShares.isEmpty {
            await restoredLog(try await notificationLog.restoreOffPool(Array(logShares.values)))
        }
        if !deliveries.isEmpty {
            let queued = try await outbox.restoreOffPool(deliveries, at: Date())
            if queued > 0 {
                Counter(label: "klaxon_state_restored_deliveries_total").increment(by: queued)
                logger.notice("queued notifications another instance decided and had not sent", metadata: ["count": "\(queued)"])
                restoredDeliveries()
            }
        }
        if corrupt > 0 { Counter(label: "klaxon_state_changelog_corrupt_total").increment(by: corrupt) }
        let reachedEnds = ends.merging(reached) { end, r in max(end, r) }
        positions.withLock { mine in for (p, end) in reachedEnds { mine[p] = end } }
        try store.saveChangelogPositions(topic: topic, reachedEnds)
        return (read, written, Set(admitted.filter(\.value).keys))
    }

    /// One state batch's hand-off: the store's queued changes of owned partitions go to the
    /// changelog and `batch`'s offsets are committed, in one transaction. Owned: assigned in
    /// `assigned` and restored for that assignment — a partition given meanwhile is written
    /// only after its restore, or this instance's position would skip what the previous owner
    /// wrote. Changes of alerts on other partitions are not written (their owner's changelog
    /// is the truth) and are counted. An aborted transaction queues the changes again.
    func handOff(consuming batch: [KafkaRecord], from consumer: KafkaConsumer, assigned: [Int32: UInt64]) async throws -> KafkaHandOffOutcome {
        let owned = owned(assigned)
        let (records, durable) = store.takeChangelog()
        // After the alerts' records, so a new owner reading the partition meets the alert first.
        let (fields, marks) = try lifecycle.take()
        let counts = store.thresholds.take()
        let taken = try outbox.takeChangelog()
        let (logEntries, logMarks) = try notificationLog.take()
        let notices = try ownerNotices?.queue.take() ?? []
        var outputs: [KafkaOutgoing] = []
        outputs.reserveCapacity(records.count + fields.count + counts.count)
        var foreign = 0
        @discardableResult
        func add(_ fp: Fingerprint, key: Data, value: @autoclosure () -> Data) -> Bool {
            add(partitioner.partition(of: fp), key: key, value: value())
        }
        @discardableResult
        func add(_ p: Int32, key: Data, value: @autoclosure () -> Data) -> Bool {
            guard owned.contains(p) else {
                foreign += 1
                return false
            }
            let bytes = value()
            // A notification of a huge group, or its log share, stays local (as before the
            // changelog carried them) rather than failing every hand-off after it.
            guard bytes.count + key.count <= maxRecordBytes else {
                Counter(label: "klaxon_state_changelog_too_large_total").increment()
                logger.warning("a state changelog record is larger than the producer takes; it stays local", metadata: [
                    "key": "\(String(decoding: key.prefix(200), as: UTF8.self))", "bytes": "\(bytes.count)", "max": "\(maxRecordBytes)",
                ])
                return false
            }
            outputs.append(KafkaOutgoing(topic: topic, message: KafkaMessage(key: key, value: bytes, partition: p)))
            return true
        }
        for r in records { add(r.fingerprint, key: AlertChangelogCodec.key(r.fingerprint), value: AlertChangelogCodec.encode(r)) }
        for r in fields { add(r.fingerprint, key: LifecycleChangelogCodec.key(r.fingerprint), value: LifecycleChangelogCodec.encode(r)) }
        // On its share's partition: a key counted per fingerprint goes with its alert, one
        // counted by `group_by` has a share on each partition whose alerts it counts.
        for c in counts { add(c.share, key: ThresholdChangelogCodec.key(c), value: ThresholdChangelogCodec.encode(c)) }
        // With the row's group (an escalation step's: its alert): its owner takes the row over.
        let deliveries = taken.keeping { r in
            add(r.partition(partitioner), key: OutboxChangelogCodec.key(r.key), value: OutboxChangelogCodec.encode(r))
        }
        // Whole, with its group: the group's owner notifies it, whatever partitions its alerts are on.
        for e in logEntries {
            add(partitioner.partition(ofLogKey: e.logKey), key: NotificationLogChangelogCodec.key(e.logKey), value: NotificationLogChangelogCodec.encode(e))
        }
        // To the alert's owner, whoever it is (this instance too, after a rebalance).
        if let topic = ownerNotices?.topic {
            for n in notices {
                outputs.append(KafkaOutgoing(topic: topic, message: KafkaMessage(
                    key: Data(n.fingerprint.description.utf8), value: n.command, partition: partitioner.partition(of: n.fingerprint))))
            }
        }
        if outputs.isEmpty && batch.isEmpty {
            try store.changelogWritten(durable)
            try lifecycle.written(marks)
            try outbox.changelogWritten(deliveries)
            try notificationLog.written(logMarks)
            return .committed(delivered: [])
        }
        if foreign > 0 {
            Counter(label: "klaxon_state_changelog_unowned_total").increment(by: foreign)
            logger.debug("changes of alerts another instance owns stay local", metadata: ["count": "\(foreign)"])
        }
        let outcome = try await producer.handOff(outputs, consuming: batch, from: consumer)
        switch outcome {
        case .committed(let delivered):
            positions.withLock { mine in
                for d in delivered where d.topic == topic { mine[d.partition] = max(mine[d.partition] ?? 0, d.offset + 1) }
            }
            try store.changelogWritten(durable)
            try lifecycle.written(marks)
            try outbox.changelogWritten(deliveries)
            try notificationLog.written(logMarks)
            try ownerNotices?.queue.written(notices.map(\.id))
            if !notices.isEmpty { Counter(label: "klaxon_state_owner_notices_produced_total").increment(by: notices.count) }
        case .aborted:
            store.requeueChangelog(records, durable: durable)
            store.thresholds.requeue(counts)
        }
        return outcome
    }

    /// Remembers how far this instance's store reflects the changelog, so the next start
    /// replays only what came after; closes the producer.
    func stop() async {
        let mine = positions.withLock { $0 }
        do { try store.saveChangelogPositions(topic: topic, mine) } catch {
            logger.warning("cannot save the state changelog positions; the next start reads more of it: \(error)")
        }
        await producer.close()
    }
}

struct StateChangelogError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
