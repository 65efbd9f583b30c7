import Foundation
import KlaxonCore
@testable import KlaxonStore
import Testing

/// The outbox's changelog at the store (issue #14): rows still pending at a hand-off are
/// carried whole, their outcome follows, rows sent before a hand-off are never carried, and
/// another store restored from the records sends what was not sent, under the same key.
@Suite struct OutboxChangelogTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000.5)

    func fresh(_ name: String = "outbox-changelog") throws -> Outbox { Outbox(database: try StateDatabase.temporary(name)) }

    func queued(_ i: Int, fallback: String? = nil, ackBy: String? = nil) -> QueuedNotification {
        let fp = Fingerprint(labels: ["alertname": "CVE-\(i)"])
        var n = AlertNotification(
            idempotencyKey: "pager/k\(i)", receiver: "pager", status: .firing, groupKey: "{}:{alertname=\"CVE-\(i)\"}",
            groupLabels: ["alertname": "CVE-\(i)"],
            alerts: [NotifiedAlert(
                status: .firing, fingerprint: fp, labels: ["alertname": "CVE-\(i)", "severity": "high"], annotations: ["summary": "s\(i)"],
                severity: .high, startsAt: t0, occurrences: 3)],
            fallbackFor: fallback)
        n.acknowledgedBy = ackBy
        return QueuedNotification(notification: n, integration: "webhook[0]", key: "pager/k\(i)/webhook[0]")
    }

    func rows(_ o: Outbox) throws -> [String: OutboxEntry] {
        Dictionary(uniqueKeysWithValues: try o.entries().map { ($0.idempotencyKey, $0) })
    }

    func carried(_ take: Outbox.ChangelogTake) -> [String] {
        take.records.map { "\($0.key) \($0.outcome)" }.sorted()
    }

    @Test func recordsRoundTripAndDamagedOnesAreRefused() throws {
        var odd = queued(2, fallback: "security", ackBy: "ana")
        odd.key = "custom-key"
        let records = [
            OutboxChangelogRecord(key: "pager/k1/webhook[0]", fingerprint: queued(1).notification.alerts[0].fingerprint, outcome: .pending, queued: queued(1)),
            OutboxChangelogRecord(key: "custom-key", fingerprint: odd.notification.alerts[0].fingerprint, outcome: .pending, queued: odd),
            OutboxChangelogRecord(key: "pager/k3/webhook[0]", fingerprint: Fingerprint(value: 42), outcome: .delivered),
            OutboxChangelogRecord(key: "pager/k4/webhook[0]", fingerprint: Fingerprint(value: .max), outcome: .dead),
        ]
        for r in records {
            let data = OutboxChangelogCodec.encode(r)
            let back = try OutboxChangelogCodec.decode(data)
            #expect(back == r)
            #expect(back.queued?.notification.fallbackFor == r.queued?.notification.fallbackFor)
            #expect(back.queued?.notification.acknowledgedBy == r.queued?.notification.acknowledgedBy)
            #expect(back.queued?.notification.alerts.first?.annotations == r.queued?.notification.alerts.first?.annotations)
            for n in 0..<data.count {
                #expect(throws: (any Error).self) { try OutboxChangelogCodec.decode(data.prefix(n)) }
            }
            #expect(throws: (any Error).self) { try OutboxChangelogCodec.decode(data + Data([0])) }
        }
        let versions = [OutboxChangelogCodec.version, LifecycleChangelogCodec.version, ThresholdChangelogCodec.version, AlertChangelogCodec.version]
        #expect(Set(versions).count == versions.count, "each kind of record is told apart by its first byte")
    }

    @Test func pendingRowsAreCarriedOnceAndTheirOutcomeFollows() throws {
        let o = try fresh()
        try o.enqueue([queued(1), queued(2), queued(3)], at: t0)
        let ids = try rows(o).mapValues(\.id)
        // Sent before any hand-off: never carried.
        try o.markDelivered(ids["pager/k3/webhook[0]"]!, at: t0)
        #expect(try o.changelogWaiting())
        let first = try o.takeChangelog()
        #expect(carried(first) == ["pager/k1/webhook[0] pending", "pager/k2/webhook[0] pending"])
        // The content goes along, whole.
        let one = try #require(first.records.first { $0.key == "pager/k1/webhook[0]" })
        #expect(one.queued?.notification.alerts.first?.labels["severity"] == "high")
        // A hand-off that aborted takes the same again.
        #expect(carried(try o.takeChangelog()) == carried(first))
        try o.changelogWritten(first)
        #expect(try !o.changelogWaiting())
        #expect(try o.takeChangelog().records.isEmpty)

        // One sent, one dead: their outcomes, once.
        try o.markDelivered(ids["pager/k1/webhook[0]"]!, at: t0)
        try o.markFailed(ids["pager/k2/webhook[0]"]!, error: "410", retryAt: nil, at: t0)
        let outcomes = try o.takeChangelog()
        #expect(carried(outcomes) == ["pager/k1/webhook[0] delivered", "pager/k2/webhook[0] dead"])
        try o.changelogWritten(outcomes)
        #expect(try o.takeChangelog().records.isEmpty)

        // A dead row put back is pending again, and carried again.
        #expect(try o.retry(ids["pager/k2/webhook[0]"]!, at: t0))
        let again = try o.takeChangelog()
        #expect(carried(again) == ["pager/k2/webhook[0] pending"])
        try o.changelogWritten(again)
        // A row never carried that goes dead is not carried either.
        try o.enqueue([queued(4)], at: t0)
        try o.markFailed(try rows(o)["pager/k4/webhook[0]"]!.id, error: "410", retryAt: nil, at: t0)
        #expect(try o.takeChangelog().records.isEmpty)
        #expect(try !o.changelogWaiting())
    }

    /// An idle look that finds nothing to carry moves the watermark, so the next look (every
    /// idle poll) does not scan the rows behind it again; rows queued later are still found.
    @Test func anIdleLookMovesTheWatermarkPastRowsSentAlready() throws {
        let o = try fresh()
        try o.enqueue([queued(1), queued(2)], at: t0)
        for row in try rows(o).values { try o.markDelivered(row.id, at: t0) }
        #expect(o.announcedUpTo.withLock { $0 } == nil)
        #expect(try !o.changelogWaiting())
        #expect(o.announcedUpTo.withLock { $0 } == (try rows(o).values.map(\.id).max()))
        try o.enqueue([queued(3)], at: t0)
        #expect(try o.changelogWaiting())
        #expect(carried(try o.takeChangelog()) == ["pager/k3/webhook[0] pending"])
    }

    @Test func aRowSentBetweenTheTakeAndTheCommitHasItsOutcomeCarriedNext() throws {
        let o = try fresh()
        try o.enqueue([queued(1)], at: t0)
        let take = try o.takeChangelog()
        #expect(carried(take) == ["pager/k1/webhook[0] pending"])
        try o.markDelivered(try rows(o)["pager/k1/webhook[0]"]!.id, at: t0)
        try o.changelogWritten(take)
        #expect(carried(try o.takeChangelog()) == ["pager/k1/webhook[0] delivered"])
    }

    /// A row whose first alert another instance owns is not produced (`StateChangelog` keeps
    /// only owned partitions' records): it must not count as carried, or its outcome would be.
    @Test func aRowTheHandOffLeftOutIsNotCarried() throws {
        let o = try fresh()
        try o.enqueue([queued(1), queued(2)], at: t0)
        let take = try o.takeChangelog().keeping { $0.key != "pager/k2/webhook[0]" }
        #expect(carried(take) == ["pager/k1/webhook[0] pending"])
        try o.changelogWritten(take)
        for row in try rows(o).values { try o.markDelivered(row.id, at: t0) }
        #expect(carried(try o.takeChangelog()) == ["pager/k1/webhook[0] delivered"])
    }

    @Test func anotherStoreSendsWhatWasNotSentUnderTheSameKey() throws {
        let source = try fresh("outbox-source")
        try source.enqueue([queued(1), queued(2)], at: t0)
        let take = try source.takeChangelog()
        try source.changelogWritten(take)
        try source.markDelivered(try rows(source)["pager/k2/webhook[0]"]!.id, at: t0)
        let outcome = try source.takeChangelog()

        // The new owner has its own pending copy of row 2 (a flush of the same group state).
        let target = try fresh("outbox-target")
        try target.enqueue([queued(2)], at: t0)
        let later = t0.addingTimeInterval(60)
        let wire = (take.records + outcome.records).map { try! OutboxChangelogCodec.decode(OutboxChangelogCodec.encode($0)) }
        #expect(try target.restore(wire, at: later) == 1)
        let got = try rows(target)
        #expect(got["pager/k1/webhook[0]"]?.status == .pending)
        #expect(got["pager/k1/webhook[0]"]?.nextAttemptAt == later, "due at once")
        #expect(got["pager/k1/webhook[0]"]?.notification.idempotencyKey == "pager/k1")
        #expect(got["pager/k1/webhook[0]"]?.notification.alerts.first?.annotations == ["summary": "s1"])
        #expect(got["pager/k2/webhook[0]"]?.status == .delivered, "the other instance sent it")
        // Read again (a second restore of the same records): nothing more.
        #expect(try target.restore(wire, at: later) == 0)

        // A restored row is carried already: only its outcome goes back.
        let restored = try #require(got["pager/k1/webhook[0]"])
        #expect(try target.takeChangelog().records.filter { $0.outcome == .pending }.isEmpty)
        try target.changelogWritten(try target.takeChangelog())
        try target.markDelivered(restored.id, at: later)
        #expect(carried(try target.takeChangelog()) == ["pager/k1/webhook[0] delivered"])
    }

    /// A carried row waits for its partition's owner, which restored it and sends it under the
    /// same key: its outcome makes the copy here delivered. Held back, never dropped: with no
    /// outcome in time it is due here. A row never carried is not held.
    @Test func aCarriedRowWaitsForItsPartitionsOwnerAndIsSentHereIfNoOutcomeComes() throws {
        let o = try fresh()
        try o.enqueue([queued(1), queued(2), queued(3)], at: t0)
        // Rows 1 and 3 are carried; row 2 was queued after the hand-off.
        try o.changelogWritten(try o.takeChangelog().keeping { $0.key != "pager/k2/webhook[0]" })
        let fp3 = queued(3).notification.alerts[0].fingerprint
        func due(_ s: TimeInterval) throws -> [String] {
            try o.dueHeads(receiver: "pager", integration: "webhook[0]", now: t0.addingTimeInterval(s), limit: 10).map(\.idempotencyKey).sorted()
        }
        let (k1, k2, k3) = ("pager/k1/webhook[0]", "pager/k2/webhook[0]", "pager/k3/webhook[0]")

        // A start holds carried rows until the partitions are known, for the grace at most.
        #expect(try o.holdCarried(until: t0.addingTimeInterval(60)) == 2)
        #expect(o.holdsForOwners)
        #expect(try due(1) == [k2])
        // Row 1's partition is owned here: due at once. Row 3's is not: it stays held.
        // A row goes with its group's partition (issue #14, step 4), not its alert's.
        let partitioner = StatePartitioner(partitions: 64)
        let p1 = partitioner.partition(ofGroup: GroupKey(queued(1).notification.groupKey))
        #expect(p1 != partitioner.partition(ofGroup: GroupKey(queued(3).notification.groupKey)), "the test needs two partitions")
        #expect(try o.follow(owns: { $0 == p1 }, partitioner: partitioner, at: t0.addingTimeInterval(1), grace: 60) == (0, 1))
        #expect(try due(1) == [k1, k2])
        // Row 3's owner delivered it: delivered here too, never sent from here.
        #expect(try o.takeOwnerOutcomes([OutboxChangelogRecord(key: k3, fingerprint: fp3, outcome: .delivered)], at: t0.addingTimeInterval(2)) == 1)
        #expect(try rows(o)[k3]?.status == .delivered)
        #expect(!o.holdsForOwners)
        #expect(try o.takeChangelog().records.map(\.key) == [k3], "its outcome is carried too (the hand-off keeps only owned partitions')")

        // Row 1's partition moves away in a rebalance: it waits for the new owner's outcome,
        // and with none after the grace it is due here again, under its key.
        #expect(try o.follow(owns: { _ in false }, partitioner: partitioner, at: t0.addingTimeInterval(10), grace: 60) == (1, 0))
        #expect(try due(11) == [k2])
        #expect(try due(71) == [k1, k2])
        // Sent here after all: no longer waited for.
        try o.record([DeliveryRecord(id: try rows(o)[k1]!.id, at: t0.addingTimeInterval(71), result: .delivered)], at: t0.addingTimeInterval(71))
        #expect(!o.holdsForOwners)
    }
}
