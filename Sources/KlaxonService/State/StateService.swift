import Foundation
import KlaxonCore
import KlaxonKafka
import KlaxonStore
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// The state stage (docs/scaling.md): a batch of `klaxon.alerts` records → the store's write
/// (`StateBatch`, pure; unreadable or misrouted records become dead letters) → alert state and
/// noise decisions in one SQLite transaction → the changed alerts' states to the changelog and
/// the offsets committed, in one Kafka transaction (`StateChangelog`) → the changes handed to
/// grouping. A partition newly assigned is restored from the changelog before any of its
/// records is applied. Decoding the next batch overlaps the write of the current one. On
/// graceful shutdown it finishes the batches in hand, commits, and leaves the group.
final class StateService: Service {
    let consumer: KafkaConsumer
    let partitioner: StatePartitioner
    let store: AlertStore
    let changelog: StateChangelog
    let deadLetters: DeadLetterPublisher
    let grouping: GroupingEngine
    let noise: NoiseGate
    let settings: KafkaSettings
    let logger: Logger
    /// The acknowledged notifications' routing in force (for commands from other instances).
    let followUps: @Sendable () -> FollowUpRouting
    /// Wakes the dispatcher once an acknowledgement queued follow-ups.
    let nudgeDelivery: @Sendable () -> Void
    /// Input messages handed to grouping since start (for the demo and tests to wait on).
    let handled = HandledCounter()

    init(
        consumer: KafkaConsumer, partitioner: StatePartitioner, store: AlertStore, changelog: StateChangelog,
        deadLetters: DeadLetterPublisher, grouping: GroupingEngine, noise: NoiseGate, settings: KafkaSettings,
        followUps: @escaping @Sendable () -> FollowUpRouting = { FollowUpRouting(acknowledgements: [:], resolutions: [:]) },
        nudgeDelivery: @escaping @Sendable () -> Void = {}, logger: Logger
    ) {
        self.followUps = followUps
        self.nudgeDelivery = nudgeDelivery
        self.consumer = consumer
        self.partitioner = partitioner
        self.store = store
        self.changelog = changelog
        self.deadLetters = deadLetters
        self.grouping = grouping
        self.noise = noise
        self.settings = settings
        self.logger = logger
    }

    /// One input batch's records at most: a message gives a record per partition its alerts
    /// fall on, a complete scan one on every partition. A poll takes only what is ready, so
    /// one record per message (Falco) still makes batches of about `batch.max_records`.
    var maxRecords: Int { settings.batchMaxRecords * Int(settings.alertsPartitions) }

    /// Messages a batch applied in part after waiting for the rest, and when (see `complete`).
    private let givenUp = Mutex<[MessageOrigin: ContinuousClock.Instant]>([:])

    /// A polled batch, already decoded.
    struct Decoded: Sendable {
        var state: StateBatch
        var now: Date
    }

    func run() async throws {
        defer { logger.info("state stage stopped") }
        guard try await changelog.start() else {
            await consumer.close()
            await changelog.stop()
            return
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
        await changelog.stop()
    }

    /// Polls until a batch arrives (nil on shutdown or close) and decodes it.
    private func read() async throws -> Decoded? {
        while !Task.isCancelled && !Task.isShuttingDownGracefully && !consumer.isClosed {
            let batch = try await consumer.poll(maxRecords: maxRecords, maxWait: settings.batchMaxWait)
            guard !batch.isEmpty else {
                // Idle: a partition given to this instance is restored now, and changes no input
                // carries (acknowledgements, timeouts) reach the changelog.
                let epochs = assignedEpochs()
                let due = epochs.isEmpty
                    ? givenNothing()
                    : changelog.needsRestore(epochs) || groupingLags(epochs) || store.changelogWaiting || changelog.lifecycleWaiting
                        || store.thresholds.waiting || changelog.outboxWaiting || changelog.logWaiting || changelog.noticesWaiting
                if due { return Decoded(state: StateBatch(givenUp: []), now: Date()) }
                continue
            }
            // A message given up on is not waited for again while its late records trickle in
            // (under load, a report's records came in six polls over ten seconds).
            let now = ContinuousClock.now, forget = max(.seconds(60), settings.batchReportWait * 2)
            let skip = givenUp.withLock { g in
                g = g.filter { now - $0.value < forget }
                return Set(g.keys)
            }
            var state = StateBatch(givenUp: skip)
            state.add(batch, partitioner: partitioner)
            try await complete(&state)
            return Decoded(state: state, now: Date())
        }
        return nil
    }

    /// Polls on while the batch holds only part of an input message whose other records this
    /// instance reads, so one report's alerts reach grouping together (inhibition inside a
    /// report must not depend on which partition was fetched first). The records of one
    /// message are committed in one transaction, so the rest is normally in the next fetch;
    /// `batch.report_wait` and four polls' worth of records bound the wait for records that
    /// cannot come. A message still incomplete then is applied in two batches, counted in
    /// `klaxon_state_split_messages_total`.
    private func complete(_ state: inout StateBatch) async throws {
        let deadline = ContinuousClock.now + settings.batchReportWait
        var awaited = state.awaited(reading: assigned())
        if !awaited.isEmpty, settings.batchReportWait > .zero {
            logger.debug("holding part of input messages until the rest arrives", metadata: ["count": "\(awaited.count)"])
        }
        while !awaited.isEmpty, ContinuousClock.now < deadline, state.records.count < 4 * maxRecords,
            !Task.isCancelled, !Task.isShuttingDownGracefully, !consumer.isClosed
        {
            state.add(try await consumer.poll(maxRecords: maxRecords, maxWait: settings.batchMaxWait), partitioner: partitioner)
            awaited = state.awaited(reading: assigned())
        }
        guard !awaited.isEmpty else { return }
        let now = ContinuousClock.now
        givenUp.withLock { g in for o in awaited.keys { g[o] = now } }
        Counter(label: "klaxon_state_split_messages_total").increment(by: awaited.count)
        // A notice: inhibition inside these reports may depend on which part came first (with
        // report_wait 0 that is what was asked for).
        logger.log(
            level: settings.batchReportWait > .zero ? .notice : .debug,
            "applying part of input messages, the rest did not arrive within kafka.batch.report_wait", metadata: [
            "messages": "\(awaited.keys.map(\.description).sorted().prefix(5).joined(separator: ", "))", "count": "\(awaited.count)",
        ])
    }

    /// The partitions of the alerts topic assigned to this instance now.
    private func assigned() -> Set<Int32> {
        Set(consumer.assignment.filter { $0.topic == settings.alertsTopic }.map(\.partition))
    }

    /// The partitions of the alerts topic this instance owns now (assigned and restored).
    var ownership: PartitionOwnership {
        PartitionOwnership(
            partitioner: partitioner, owned: { [self] in changelog.owned(assignedEpochs()) }, givenNothing: { [consumer] in consumer.assignedNothing })
    }

    /// The partitions of the alerts topic assigned now, with the assignment that gave each.
    private func assignedEpochs() -> [Int32: UInt64] {
        var out: [Int32: UInt64] = [:]
        for (tp, epoch) in consumer.assignmentEpochs where tp.topic == settings.alertsTopic { out[tp.partition] = epoch }
        return out
    }

    /// How long a carried notification of a partition another instance owns waits for that
    /// owner's outcome before it is sent here anyway (under the same key).
    static let ownerGrace: TimeInterval = 60

    /// The partitions grouping was last told this instance owns; nil before the first restore
    /// (grouping holds every alert of the store since start).
    private let groupingOwns = Mutex<Set<Int32>?>(nil)

    /// The group gave this instance no partition (more instances than partitions) and grouping
    /// has not heard: it would go on notifying the groups of a partition that moved.
    private func givenNothing() -> Bool {
        consumer.assignedNothing && groupingOwns.withLock { $0 } != []
    }

    /// Whether grouping holds alerts of partitions other than those owned now (one left).
    private func groupingLags(_ epochs: [Int32: UInt64]) -> Bool {
        groupingOwns.withLock { $0 } != changelog.owned(epochs)
    }

    /// Tells grouping and the outbox which partitions this instance owns once `epochs` are
    /// restored: their alerts are grouped here, and only theirs; notifications carried to the
    /// changelog are sent by the owner of their first alert (`Outbox.follow`). A partition
    /// newly owned brings every alert the store holds of it (copies from an earlier ownership,
    /// brought up to date by the restore); one owned still brings the alerts its restore read
    /// (another instance may have owned it between two assignments). Not while nothing is
    /// assigned: between two assignments of a rebalance this instance has not lost its
    /// partitions yet.
    private func follow(_ epochs: [Int32: UInt64], restored: StateChangelog.Restored, now: Date) async throws {
        guard !epochs.isEmpty || consumer.assignedNothing else { return }
        let owned = changelog.owned(epochs)
        let before = groupingOwns.withLock { $0 }
        guard owned != before || !restored.alerts.isEmpty else { return }
        let newly = before.map { owned.subtracting($0) } ?? []
        let partitioner = self.partitioner
        let adopting = try store.activeStates(resolvedSince: GroupingEngine.recentSince(now)) { fp in
            restored.alerts.contains(fp) || newly.contains(partitioner.partition(of: fp))
        }
        try await grouping.own(owned, partitioner: partitioner, adopting: adopting, now: now)
        // Carried notifications go with their partition too: its owner sends them, and this
        // copy waits for the owner's outcome (sent here after all if none comes in time).
        let rows = try changelog.outbox.follow(owns: owned.contains, partitioner: partitioner, at: now, grace: Self.ownerGrace)
        if rows.held > 0 || rows.released > 0 {
            logger.info("notifications carried to the changelog follow their partitions", metadata: [
                "waiting for their owner": "\(rows.held)", "due here": "\(rows.released)",
            ])
        }
        if rows.released > 0 { nudgeDelivery() }
        groupingOwns.withLock { $0 = owned }
    }

    /// Partitions newly given restored → dead letters acknowledged by the broker → state in one
    /// SQLite transaction → its changelog and the offsets in one Kafka transaction (then the
    /// plain commit the embedded broker needs) → changes handed to grouping.
    private func write(_ decoded: Decoded) async throws {
        let (state, now) = (decoded.state, decoded.now)
        let batch = state.records
        // One view of the assignment for the restore and the hand-off (see `handOff`).
        let epochs = assignedEpochs()
        try await follow(epochs, restored: try await changelog.restore(epochs), now: now)
        var result: BatchResult?
        var commanded: [AlertState] = []
        if !batch.isEmpty {
            try await deadLetters.publish(state.deadLetters)
            result = try await apply(state.segments, into: &commanded)
            Failpoint.hit(.crashBeforeCommit)
        }
        switch try await changelog.handOff(consuming: batch, from: consumer, assigned: epochs) {
        case .committed:
            try consumer.commitAsync(KafkaOffset.after(batch))
        case .aborted(let error):
            // The consumer was rewound: the batch is applied again (the ledger counts it twice,
            // the states come out the same) and its changes go with that turn.
            logger.warning("state changelog hand-off aborted, reading the batch again: \(error)")
            Counter(label: "klaxon_state_handoffs_aborted_total").increment()
        }
        // Grouping is rebuilt from the store on start, so handing it the changes after the
        // commit loses nothing if the process dies in between.
        guard let result else { return }
        await grouping.add(result.changes + commanded.filter { $0.status == .resolved }, now: now)
        if commanded.contains(where: { $0.status == .acknowledged }) { nudgeDelivery() }
        let consumed = state.consumed
        handled.add(consumed.count)

        // Counted here, once the messages' effects are durable, per input topic and source.
        for (topic, n) in Dictionary(grouping: consumed, by: \.topic).mapValues(\.count) {
            Counter(label: "klaxon_messages_consumed_total", dimensions: [("topic", topic)]).increment(by: n)
        }
        let reports = state.reports
        for (source, n) in Dictionary(grouping: reports, by: { $0.alert.source ?? "unknown" }).mapValues(\.count) {
            Counter(label: "klaxon_alerts_decoded_total", dimensions: [("source", source)]).increment(by: n)
        }
        var suppressed: [SuppressionReason: Int] = [:]
        for d in result.decisions { if let r = d.reason { suppressed[r, default: 0] += 1 } }
        for (reason, n) in suppressed {
            Counter(label: "klaxon_alerts_suppressed_total", dimensions: [("reason", reason.rawValue)]).increment(by: n)
        }
        logger.debug(
            "batch applied",
            metadata: [
                "records": "\(batch.count)", "alerts": "\(reports.count)", "deadletters": "\(state.deadLetters.count)",
                "changed": "\(result.changes.count)", "commands": "\(commanded.count)",
            ])
    }
}

extension StateService {
    /// Applies a batch's segments in order: each write, then the commands that followed it on
    /// their partitions (`StateBatch`). A batch without commands is one write, as before.
    /// Returns the writes' results merged; `commanded` gets the states the commands made.
    fileprivate func apply(_ segments: [StateBatch.Segment], into commanded: inout [AlertState]) async throws -> BatchResult {
        var merged = try await store.applyOffPool(segments[0].write, decide: { [noise] in noise.decide($0, $1, $2, $3) }, thresholds: noise.thresholdChanges)
        for (i, segment) in segments.enumerated() {
            if i > 0, !segment.write.isEmpty {
                let r = try await store.applyOffPool(segment.write, decide: { [noise] in noise.decide($0, $1, $2, $3) }, thresholds: noise.thresholdChanges)
                merged.transitions += r.transitions
                merged.decisions += r.decisions
                merged.changes += r.changes
            }
            for command in segment.commands {
                if let next = try apply(command) { commanded.append(next) }
            }
        }
        return merged
    }

    /// Applies an acknowledgement or resolve sent by another instance, as `ApiActions` applies
    /// one made here: an acknowledgement queues its follow-up notifications in the same
    /// transaction. Nil when the alert is not held or not in a state the command applies to.
    private func apply(_ command: AlertCommand) throws -> AlertState? {
        if command.action == .notified {
            let first = try store.recordNotifiedElsewhere(
                command.fingerprint, instanceStart: command.instanceStart ?? command.issuedAt, receiver: command.actor,
                target: command.target ?? command.actor, ref: command.id, at: command.issuedAt)
            Counter(label: "klaxon_state_commands_total", dimensions: [("action", "notified"), ("outcome", first ? "applied" : "unchanged")])
                .increment()
            return nil
        }
        let routing = command.action == .acknowledge ? followUps() : nil
        let next = try store.update(command.fingerprint, by: command.actor, followUps: routing) {
            command.action.apply($0, at: command.issuedAt)
        }
        let outcome = next != nil ? "applied" : (try store.state(of: command.fingerprint) != nil ? "conflict" : "unknown")
        Counter(label: "klaxon_state_commands_total", dimensions: [("action", command.action.rawValue), ("outcome", outcome)]).increment()
        logger.log(
            level: next != nil ? .info : .notice, "command from another instance \(outcome)",
            metadata: [
                "id": "\(command.id)", "action": "\(command.action.rawValue)", "alert": "\(command.fingerprint)",
                "status": "\(next?.status.rawValue ?? "unchanged")",
            ])
        return next
    }
}

/// A count shared between a stage's loop and whoever waits on it.
final class HandledCounter: Sendable {
    private let value = Mutex(0)
    var count: Int { value.withLock { $0 } }
    func add(_ n: Int) { value.withLock { $0 += n } }
}
