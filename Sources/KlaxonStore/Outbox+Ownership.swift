import Foundation
import GRDB
import KlaxonCore
import Synchronization

/// Which instance sends a notification carried to the state changelog (issue #14). A row
/// still pending when a hand-off carried it exists twice once its partition moves: here, and
/// on the new owner, which restored it and sends it under the same key. So this instance
/// holds its copy back for `grace` and takes the owner's outcome from the changelog
/// (`takeOwnerOutcomes`): delivered there, it is delivered here, never sent twice. If no
/// outcome comes in time (the owner's receiver is down too, or the owner never read the row:
/// a hand-off that committed after the owner's restore), the copy is sent here after all,
/// under the same key: held back, never dropped. A row never carried exists only here and
/// is not held.
extension Outbox {
    /// Whether rows wait for their owners' outcomes (the changelog reader decodes outcomes only then).
    public var holdsForOwners: Bool { heldForOwner.withLock { !$0.isEmpty } }

    /// At start, before anything is sent: every carried row still pending waits until `until`
    /// or until the state stage finds its partition owned here (`follow`). The partition may
    /// have moved while the process was down, and its new owner may have sent the row.
    /// - Returns: rows held.
    @discardableResult
    public func holdCarried(until: Date) throws -> Int {
        let ids = try pool.write { db in
            let ids = try Int64.fetchAll(db, sql: "SELECT id FROM outbox WHERE status = 'pending' AND announced = 1")
            try db.execute(
                sql: "UPDATE outbox SET next_attempt_at = MAX(next_attempt_at, ?) WHERE status = 'pending' AND announced = 1",
                arguments: [until.timeIntervalSince1970])
            return ids
        }
        heldForOwner.withLock { $0.formUnion(ids) }
        updateIndex { index in for id in ids { index.reschedule(id, to: max(index.nextAttempt(of: id) ?? 0, until.timeIntervalSince1970)) } }
        return ids.count
    }

    /// After a restore: carried pending rows whose partition (`OutboxChangelogRecord.partition`)
    /// `owns` refuses wait for that partition's owner until `now + grace`; held rows whose
    /// partition is owned here are due at once (a restore just ran: a row the other instance
    /// delivered is delivered).
    /// - Returns: rows held now, and rows released.
    @discardableResult
    public func follow(owns: (Int32) -> Bool, partitioner: StatePartitioner, at now: Date, grace: TimeInterval) throws -> (held: Int, released: Int) {
        let held = heldForOwner.withLock { $0 }
        let until = now.addingTimeInterval(grace).timeIntervalSince1970
        let (hold, release) = try pool.write { db in
            var hold: [(id: Int64, next: Double)] = []
            var release: [Int64] = []
            for row in try Row.fetchAll(
                db, sql: "SELECT id, fingerprint, group_key, next_attempt_at FROM outbox WHERE status = 'pending' AND announced = 1")
            {
                guard let fp = Fingerprint(hex: row["fingerprint"]) else { continue }
                let id: Int64 = row["id"]
                if owns(OutboxChangelogRecord.partition(groupKey: row["group_key"], fingerprint: fp, partitioner)) {
                    if held.contains(id) { release.append(id) }
                } else if !held.contains(id) {
                    hold.append((id, max(row["next_attempt_at"] as Double, until)))
                }
            }
            let schedule = try db.cachedStatement(sql: "UPDATE outbox SET next_attempt_at = ? WHERE id = ? AND status = 'pending'")
            for h in hold { try schedule.execute(arguments: [h.next, h.id]) }
            for id in release { try schedule.execute(arguments: [now.timeIntervalSince1970, id]) }
            return (hold, release)
        }
        heldForOwner.withLock { h in
            h.formUnion(hold.map(\.id))
            h.subtract(release)
        }
        updateIndex { index in
            for h in hold { index.reschedule(h.id, to: h.next) }
            for id in release { index.reschedule(id, to: now.timeIntervalSince1970) }
        }
        return (hold.count, release.count)
    }

    /// Outcomes the owners of other partitions produced for carried rows: a held copy they
    /// delivered is delivered here (so never sent twice). Other outcomes change nothing.
    /// - Returns: rows marked delivered.
    @discardableResult
    public func takeOwnerOutcomes(_ records: [OutboxChangelogRecord], at now: Date) throws -> Int {
        let keys = records.filter { $0.outcome == .delivered }.map(\.key)
        guard !keys.isEmpty, holdsForOwners else { return 0 }
        let done = try pool.write { db in
            let find = try db.cachedStatement(sql: "SELECT id FROM outbox WHERE idempotency_key = ? AND status = 'pending'")
            let deliver = try db.cachedStatement(sql: "UPDATE outbox SET status = 'delivered', delivered_at = ?, last_error = NULL WHERE id = ?")
            var done: [Int64] = []
            for key in keys {
                guard let id = try Int64.fetchOne(find, arguments: [key]) else { continue }
                try deliver.execute(arguments: [now.timeIntervalSince1970, id])
                done.append(id)
            }
            return done
        }
        heldForOwner.withLock { $0.subtract(done) }
        updateIndex { index in for id in done { index.forget(id) } }
        return done.count
    }
}
