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

    /// Inserts or replaces the row of `state`'s alert and policy.
    public func save(_ state: EscalationState) throws {
        try database.pool.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO escalation (fingerprint, policy, instance_start, step, due_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    state.fingerprint.description, state.policy, state.instanceStart.timeIntervalSince1970, state.step,
                    state.dueAt.timeIntervalSince1970,
                ])
        }
    }

    public func delete(_ fp: Fingerprint, policy: String) throws {
        try database.pool.write { db in
            try db.execute(sql: "DELETE FROM escalation WHERE fingerprint = ? AND policy = ?", arguments: [fp.description, policy])
        }
    }
}
