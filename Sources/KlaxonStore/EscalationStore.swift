import Foundation
import GRDB
import KlaxonCore

/// Where each alert's escalation stands (`escalation`, migration v12), so escalation timers
/// survive a restart: the next step and when it is due. One row per alert and policy.
public final class EscalationStore: Sendable {
    private let database: StateDatabase

    public init(database: StateDatabase) { self.database = database }

    static func createTable(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE escalation (
                fingerprint TEXT NOT NULL,
                policy TEXT NOT NULL,
                instance_start DOUBLE NOT NULL,
                step INTEGER NOT NULL,
                due_at DOUBLE NOT NULL,
                PRIMARY KEY (fingerprint, policy)
            ) WITHOUT ROWID;
            """)
    }

    public func all() throws -> [EscalationState] {
        try database.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM escalation ORDER BY due_at, fingerprint").compactMap { row in
                guard let fp = Fingerprint(hex: row["fingerprint"]) else { return nil }
                return EscalationState(
                    fingerprint: fp, policy: row["policy"], instanceStart: Date(timeIntervalSince1970: row["instance_start"]),
                    step: row["step"], dueAt: Date(timeIntervalSince1970: row["due_at"]))
            }
        }
    }

    /// Inserts or replaces the row of `state`'s alert and policy (and marks it for the changelog).
    public func save(_ state: EscalationState) throws {
        try database.pool.write { db in
            try Self.insert(db, state)
            try LifecycleChangelog.markPending(state.fingerprint, in: db)
        }
    }

    public func delete(_ fp: Fingerprint, policy: String) throws {
        try database.pool.write { db in
            try db.execute(sql: "DELETE FROM escalation WHERE fingerprint = ? AND policy = ?", arguments: [fp.description, policy])
            try LifecycleChangelog.markPending(fp, in: db)
        }
    }

    private static func insert(_ db: Database, _ state: EscalationState) throws {
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO escalation (fingerprint, policy, instance_start, step, due_at) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [
                state.fingerprint.description, state.policy, state.instanceStart.timeIntervalSince1970, state.step,
                state.dueAt.timeIntervalSince1970,
            ])
    }

    /// The escalations of the first `limit` alerts marked in `lifecycle_pending` (by
    /// fingerprint, as `LifecycleChangelog.take` reads the marks), by alert: one query however
    /// many a flush marked.
    static func rows(_ db: Database, ofMarked limit: Int) throws -> [Fingerprint: [EscalationState]] {
        var out: [Fingerprint: [EscalationState]] = [:]
        let rows = try Row.fetchCursor(db, sql: """
            SELECT e.fingerprint, e.policy, e.instance_start, e.step, e.due_at
            FROM (SELECT fp FROM lifecycle_pending ORDER BY fp LIMIT ?) p JOIN escalation e ON e.fingerprint = p.fp
            ORDER BY e.fingerprint, e.policy
            """, arguments: [limit])
        while let row = try rows.next() {
            guard let fp = Fingerprint(hex: row[0]) else { continue }
            out[fp, default: []].append(EscalationState(
                fingerprint: fp, policy: row[1], instanceStart: Date(timeIntervalSince1970: row[2]), step: row[3],
                dueAt: Date(timeIntervalSince1970: row[4])))
        }
        return out
    }

    /// An alert's escalations become `states` (a restore from the changelog; not marked).
    static func replace(_ db: Database, _ fp: Fingerprint, with states: [EscalationState]) throws {
        try db.cachedStatement(sql: "DELETE FROM escalation WHERE fingerprint = ?").execute(arguments: [fp.description])
        for s in states { try insert(db, s) }
    }
}
