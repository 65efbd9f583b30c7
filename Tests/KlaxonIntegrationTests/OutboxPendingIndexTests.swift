import Foundation
import GRDB
import KlaxonCore
@testable import KlaxonStore
import KlaxonTesting
import Testing

/// The outbox's in-memory pending index: group heads in order, due and waiting, against a
/// plain model; and `Outbox.dueHeads` against the head-of-group query it replaced, over a real
/// SQLite file changed by grouping's flushes, outcomes, re-queues and a second `Outbox`.
@Suite struct OutboxPendingIndexTests {
    let lane = OutboxLane(receiver: "r", integration: "webhook[0]")

    func row(_ id: Int64, group: String, next: Double = 0, lane: OutboxLane? = nil) -> OutboxPendingIndex.Row {
        OutboxPendingIndex.Row(id: id, lane: lane ?? self.lane, groupKey: group, nextAttemptAt: next)
    }

    @Test func onlyTheFirstPendingEntryOfAGroupIsAHead() {
        var index = OutboxPendingIndex()
        for (id, group) in [(1, "a"), (2, "a"), (3, "b"), (4, "a")] { index.insert(row(Int64(id), group: group)) }
        #expect(index.dueHeads(lane: lane, now: 10, limit: 10, excluding: []) == [1, 3])
        index.forget(1)
        #expect(index.dueHeads(lane: lane, now: 10, limit: 10, excluding: []) == [2, 3])
        #expect(index.dueHeads(lane: lane, now: 10, limit: 1, excluding: []) == [2])
        #expect(index.dueHeads(lane: lane, now: 10, limit: 10, excluding: [2]) == [3], "in flight: left out, and 4 still waits behind it")
        index.forget(2)
        index.forget(3)
        #expect(index.dueHeads(lane: lane, now: 10, limit: 10, excluding: []) == [4])
        #expect(index.count == 1)
    }

    @Test func aHeadWaitsForItsTimeAndARetryMovesIt() {
        var index = OutboxPendingIndex()
        index.insert(row(1, group: "a", next: 5))
        index.insert(row(2, group: "b", next: 0))
        #expect(index.dueHeads(lane: lane, now: 1, limit: 10, excluding: []) == [2])
        index.reschedule(2, to: 8)
        #expect(index.dueHeads(lane: lane, now: 1, limit: 10, excluding: []).isEmpty, "a retry takes a due head out until its time")
        #expect(index.dueHeads(lane: lane, now: 6, limit: 10, excluding: []) == [1])
        #expect(index.dueHeads(lane: lane, now: 9, limit: 10, excluding: []) == [1, 2])
    }

    @Test func anOlderEntryPutBackBecomesTheHeadAgain() {
        var index = OutboxPendingIndex()
        index.insert(row(5, group: "a"))
        index.insert(row(3, group: "a"))  // a dead entry re-queued
        #expect(index.dueHeads(lane: lane, now: 1, limit: 10, excluding: []) == [3])
        index.forget(3)
        #expect(index.dueHeads(lane: lane, now: 1, limit: 10, excluding: []) == [5])
    }

    /// Random inserts, outcomes, retries and re-queues, each followed by a query compared with
    /// the definition: per group the oldest pending entry, if due, oldest first.
    @Test func matchesThePlainDefinitionUnderRandomChanges() {
        var rng = SplitMix64(seed: 7)
        var index = OutboxPendingIndex()
        var model: [Int64: (lane: OutboxLane, group: String, next: Double)] = [:]
        var nextId: Int64 = 1
        var dead: [Int64: (lane: OutboxLane, group: String)] = [:]
        let lanes = [lane, OutboxLane(receiver: "r", integration: "slack[0]")]
        for step in 0..<5_000 {
            let now = Double(step)
            switch rng.next() % 10 {
            case 0...3:
                let r = row(nextId, group: "g\(rng.next() % 12)", next: now + Double(rng.next() % 20), lane: lanes[Int(rng.next() % 2)])
                index.insert(r)
                model[r.id] = (r.lane, r.groupKey, r.nextAttemptAt)
                nextId += 1
            case 4...5:
                guard let id = model.keys.randomElement(using: &rng) else { continue }
                index.forget(id)
                if rng.next() % 3 == 0 { dead[id] = (model[id]!.lane, model[id]!.group) }
                model[id] = nil
            case 6:
                guard let id = model.keys.randomElement(using: &rng) else { continue }
                let next = now + Double(rng.next() % 30)
                index.reschedule(id, to: next)
                model[id]!.next = next
            case 7:
                guard let (id, d) = dead.randomElement(using: &rng) else { continue }
                dead[id] = nil
                index.insert(row(id, group: d.group, next: now, lane: d.lane))
                model[id] = (d.lane, d.group, now)
            default:
                let l = lanes[Int(rng.next() % 2)]
                let limit = Int(rng.next() % 6) + 1
                let excluded = Set(model.keys.filter { _ in rng.next() % 5 == 0 })
                let heads = Dictionary(grouping: model.filter { $0.value.lane == l }, by: \.value.group).values.map { $0.min { $0.key < $1.key }! }
                let expected = heads.filter { $0.value.next <= now && !excluded.contains($0.key) }.map(\.key).sorted().prefix(limit)
                #expect(index.dueHeads(lane: l, now: now, limit: limit, excluding: excluded) == Array(expected), "step \(step)")
            }
        }
        #expect(index.count == model.count)
    }

    // MARK: Over SQLite

    func notification(group: String, i: Int) -> AlertNotification {
        let labels = ["alertname": "A\(i)", "g": group]
        let alert = NotifiedAlert(
            status: .firing, fingerprint: Fingerprint(labels: labels), labels: labels, annotations: [:], severity: .high, startsAt: Date())
        return AlertNotification(
            idempotencyKey: "r/\(group)/\(i)", receiver: "r", status: .firing, groupKey: group, groupLabels: [:], alerts: [alert])
    }

    /// The head-of-group query `dueHeads` ran before the index, as the reference.
    func headsBySQL(_ db: StateDatabase, now: Date, limit: Int) throws -> [Int64] {
        try db.pool.read { db in
            try Int64.fetchAll(db, sql: """
                SELECT o.id FROM outbox o WHERE o.receiver = 'r' AND o.integration = 'webhook[0]' AND o.status = 'pending'
                  AND o.next_attempt_at <= ?
                  AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.receiver = o.receiver AND p.integration = o.integration
                                  AND p.group_key = o.group_key AND p.status = 'pending' AND p.id < o.id)
                ORDER BY o.id LIMIT ?
                """, arguments: [now.timeIntervalSince1970, limit])
        }
    }

    @Test func dueHeadsAgreeWithTheTableThroughFlushesOutcomesAndASecondWriter() throws {
        let db = try StateDatabase.temporary("pending-index")
        let store = try AlertStore(database: db)
        let outbox = Outbox(database: db)
        let other = Outbox(database: db)  // another writer the index hears nothing from
        let observer = Outbox(database: db)  // a report or a test watching a running service's file
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        _ = try observer.due(now: t0)
        var rng = SplitMix64(seed: 11)
        var i = 0
        var checked = 0
        for step in 0..<400 {
            let now = t0.addingTimeInterval(Double(step))
            switch rng.next() % 8 {
            case 0...2:  // grouping's flush queues rows in its own transaction
                let batch = (0..<Int(rng.next() % 4) + 1).map { _ -> QueuedNotification in
                    i += 1
                    return QueuedNotification(notification: notification(group: "g\(rng.next() % 6)", i: i), integration: "webhook[0]", key: "k\(i)")
                }
                try store.recordFlush(batch, log: [:], at: now)
            case 3...4:  // the dispatcher's outcomes for the heads it was given
                let heads = try outbox.dueHeads(receiver: "r", integration: "webhook[0]", now: now, limit: 3)
                try outbox.record(heads.map { h in
                    switch rng.next() % 4 {
                    case 0: DeliveryRecord(id: h.id, at: now, result: .retry(at: now.addingTimeInterval(Double(rng.next() % 5))))
                    case 1: DeliveryRecord(id: h.id, at: now, result: .dead)
                    case 2: DeliveryRecord(id: h.id, at: now, result: .deferred(until: now.addingTimeInterval(2)))
                    default: DeliveryRecord(id: h.id, at: now, result: .delivered)
                    }
                }, at: now)
            case 5:  // an operator re-queues what died
                _ = try outbox.retryAllDead(at: now)
            case 6:  // a second writer (another process) delivers a head behind the index's back
                if let h = try other.dueHeads(receiver: "r", integration: "webhook[0]", now: now, limit: 1).first {
                    try other.markDelivered(h.id, at: now)
                }
            default:
                let limit = Int(rng.next() % 8) + 1
                #expect(try outbox.dueHeads(receiver: "r", integration: "webhook[0]", now: now, limit: limit).map(\.id)
                    == headsBySQL(db, now: now, limit: limit), "step \(step)")
                checked += 1
            }
        }
        #expect(checked > 20)
        // What another instance reports follows the table, not an index of its own.
        let pending = try outbox.counts()[.pending] ?? 0
        #expect(pending > 0)
        #expect(try observer.pendingCounts() == ["r/webhook[0]": pending])
        #expect(try observer.hasPending())
        // A fresh instance (a restart) loads the same heads from the table.
        let far = t0.addingTimeInterval(10_000)
        #expect(try Outbox(database: db).dueHeads(receiver: "r", integration: "webhook[0]", now: far, limit: 100).map(\.id)
            == headsBySQL(db, now: far, limit: 100))
        #expect(try outbox.dueHeads(receiver: "r", integration: "webhook[0]", now: far, limit: 100).map(\.id) == headsBySQL(db, now: far, limit: 100))
    }
}
