import Foundation
import GRDB
import KlaxonCore

/// The outbox's way to the state changelog (issue #14): a notification decided here and not
/// sent must not exist only in this file, or a killed instance whose file is gone loses it.
/// The state stage's hand-off takes rows still pending that the changelog has not carried
/// (`announced` 0; new rows are found past a watermark of ids, so queueing writes nothing
/// more) and, for rows it carried, their outcome once they have one. A row sent before the
/// next hand-off — most of them — never goes to the changelog at all. Status changes that
/// matter later (an announced row sent or dead, a dead row put back) are marked by a trigger,
/// so every writer of `status` is covered.
///
/// `announced`: 0 not carried, 1 carried while pending, 2 its outcome carried.
extension Outbox {
    static func createChangelogTables(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE outbox ADD COLUMN announced INTEGER NOT NULL DEFAULT 0;
            CREATE TABLE outbox_changelog_mark (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL);
            CREATE TABLE outbox_changelog_position (only INTEGER PRIMARY KEY CHECK (only = 0), id INTEGER NOT NULL);
            INSERT INTO outbox_changelog_position (only, id) VALUES (0, 0);
            CREATE TRIGGER outbox_changelog_status AFTER UPDATE OF status ON outbox
            WHEN NEW.status != OLD.status AND (OLD.announced = 1 OR NEW.status = 'pending')
            BEGIN
                INSERT OR REPLACE INTO outbox_changelog_mark (id, seq)
                VALUES (NEW.id, COALESCE((SELECT seq FROM outbox_changelog_mark WHERE id = NEW.id), -1) + 1);
            END;
            """)
    }

    /// What one hand-off carries, and what `changelogWritten` records once it committed.
    public struct ChangelogTake: Sendable {
        /// Each record with its row's id.
        var items: [(record: OutboxChangelogRecord, id: Int64)] = []
        public var records: [OutboxChangelogRecord] { items.map(\.record) }
        /// Rows carried as pending, and rows whose outcome was carried.
        var announced: [Int64] { items.filter { $0.record.outcome == .pending }.map(\.id) }
        var finished: [Int64] { items.filter { $0.record.outcome != .pending }.map(\.id) }
        /// The same take with only the records `produced` keeps: the rest (rows whose first
        /// alert another instance owns) stay as they are, and the marks are answered anyway.
        public func keeping(_ produced: (OutboxChangelogRecord) -> Bool) -> ChangelogTake {
            var out = self
            out.items = items.filter { produced($0.record) }
            return out
        }
        /// The marks answered, with the `seq` seen (a mark made again since stays).
        var marks: [Int64: Int64] = [:]
        /// Every row up to this id has been looked at.
        var position: Int64?
    }

    /// Whether rows wait for the changelog (checked on the state stage's idle polls). When
    /// none does, the watermark moves to the last row, so the next look starts there (after a
    /// restart it may start far back, and an idle instance looks every poll).
    public func changelogWaiting() throws -> Bool {
        try pool.read { db in
            let from = try changelogPosition(db)
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM outbox_changelog_mark)") ?? false { return true }
            let fresh = try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM outbox WHERE id > ? AND status = 'pending' AND announced != 1)
                """, arguments: [from]) ?? false
            if !fresh, let last = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM outbox") {
                announcedUpTo.withLock { $0 = max($0 ?? 0, last) }
            }
            return fresh
        }
    }

    /// The watermark: kept in memory and written only with a hand-off that writes anyway, so
    /// a batch whose rows were all sent already costs no write. A restart that lost the newer
    /// value looks at those rows again; the ones sent since are left alone as before.
    private func changelogPosition(_ db: Database) throws -> Int64 {
        if let p = announcedUpTo.withLock({ $0 }) { return p }
        return try Int64.fetchOne(db, sql: "SELECT id FROM outbox_changelog_position") ?? 0
    }

    /// The rows to carry now: pending rows past the watermark, and marked rows whose status
    /// says something the changelog does not know yet. A read only: an aborted hand-off takes
    /// the same again.
    public func takeChangelog(limit: Int = 2_000) throws -> ChangelogTake {
        try pool.read { db in
            var take = ChangelogTake()
            let from = try changelogPosition(db)
            let fresh = try Row.fetchAll(
                db, sql: "SELECT * FROM outbox WHERE id > ? AND status = 'pending' AND announced != 1 ORDER BY id LIMIT ?",
                arguments: [from, limit])
            take.position = fresh.count == limit ? fresh.last?["id"] : try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM outbox")
            let seen = Set(fresh.map { $0["id"] as Int64 })
            var requeued: [Int64] = []
            for mark in try Row.fetchAll(db, sql: """
                SELECT m.id, m.seq, o.status, o.announced, o.idempotency_key, o.fingerprint, o.group_key
                FROM outbox_changelog_mark m LEFT JOIN outbox o ON o.id = m.id ORDER BY m.id LIMIT ?
                """, arguments: [limit])
            {
                let id: Int64 = mark[0]
                take.marks[id] = mark[1]
                guard let status = mark[2] as String?, let announced = mark[3] as Int? else { continue }
                if status == "pending" {
                    if announced != 1, !seen.contains(id) { requeued.append(id) }
                } else if announced == 1, let fp = Fingerprint(hex: mark[5]) {
                    take.items.append((OutboxChangelogRecord(
                        key: mark[4], fingerprint: fp, outcome: status == "delivered" ? .delivered : .dead, groupKey: mark[6]), id))
                }
            }
            var pendingRows = fresh
            if !requeued.isEmpty {
                pendingRows += try Row.fetchAll(
                    db.statement(inList: "SELECT * FROM outbox WHERE id IN (\(databaseQuestionMarks(count: requeued.count))) ORDER BY id", count: requeued.count),
                    arguments: StatementArguments(requeued))
            }
            // Content copied from the alert rows: the instance that reads it may hold none of them.
            for (row, entry) in zip(pendingRows, try Self.entries(pendingRows, in: db)) {
                guard let fp = Fingerprint(hex: row["fingerprint"]) else { continue }
                take.items.append((OutboxChangelogRecord(
                    key: entry.idempotencyKey, fingerprint: fp, outcome: .pending,
                    queued: QueuedNotification(notification: entry.notification, integration: entry.integration, key: entry.idempotencyKey)), entry.id))
            }
            return take
        }
    }

    /// Records a committed hand-off: its rows announced or finished, its marks answered, the
    /// watermark moved. A row sent between the take and now is marked again, so its outcome
    /// goes with the next hand-off.
    public func changelogWritten(_ take: ChangelogTake) throws {
        if let position = take.position { announcedUpTo.withLock { $0 = max($0 ?? 0, position) } }
        guard !take.announced.isEmpty || !take.finished.isEmpty || !take.marks.isEmpty else { return }
        try pool.write { db in
            let announce = try db.cachedStatement(sql: "UPDATE outbox SET announced = 1 WHERE id = ?")
            let settledMeanwhile = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO outbox_changelog_mark (id, seq)
                SELECT id, COALESCE((SELECT seq FROM outbox_changelog_mark WHERE id = ?), -1) + 1 FROM outbox WHERE id = ? AND status != 'pending'
                """)
            let deleteMark = try db.cachedStatement(sql: "DELETE FROM outbox_changelog_mark WHERE id = ? AND seq = ?")
            for (id, seq) in take.marks { try deleteMark.execute(arguments: [id, seq]) }
            for id in take.announced {
                try announce.execute(arguments: [id])
                try settledMeanwhile.execute(arguments: [id, id])
            }
            let finish = try db.cachedStatement(sql: "UPDATE outbox SET announced = 2 WHERE id = ?")
            for id in take.finished { try finish.execute(arguments: [id]) }
            if let position = take.position {
                try db.execute(sql: "UPDATE outbox_changelog_position SET id = MAX(id, ?)", arguments: [position])
            }
        }
    }

    private static let restoreIO = OffPool("klaxon.outbox.restore")

    /// `restore` off the cooperative pool.
    @discardableResult
    public func restoreOffPool(_ records: [OutboxChangelogRecord], at now: Date) async throws -> Int {
        try await Self.restoreIO.run { try self.restore(records, at: now) }
    }

    /// Takes another instance's rows: each key's last record wins. A pending row this outbox
    /// lacks is queued, due now, as carried already (its outcome goes back to the changelog);
    /// a row this outbox still has pending that the other instance delivered is delivered.
    /// - Returns: how many rows were queued.
    @discardableResult
    public func restore(_ records: [OutboxChangelogRecord], at now: Date) throws -> Int {
        var last: [String: OutboxChangelogRecord] = [:]
        for r in records { last[r.key] = r }
        guard !last.isEmpty else { return 0 }
        return try pool.write { db in
            var queued = 0
            let announce = try db.cachedStatement(sql: "UPDATE outbox SET announced = 1 WHERE idempotency_key = ?")
            let delivered = try db.cachedStatement(sql: """
                UPDATE outbox SET status = 'delivered', delivered_at = ?, last_error = NULL WHERE idempotency_key = ? AND status = 'pending'
                """)
            for r in last.values {
                switch r.outcome {
                case .pending:
                    guard let q = r.queued, try Self.enqueue([q], at: now, in: db) == 1 else { continue }
                    try announce.execute(arguments: [r.key])
                    queued += 1
                case .delivered:
                    try delivered.execute(arguments: [now.timeIntervalSince1970, r.key])
                case .dead:
                    continue
                }
            }
            return queued
        }
    }
}
