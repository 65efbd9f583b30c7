import Foundation
import GRDB
import KlaxonCore

/// `notified` commands a flush owes the owners of alerts on other instances' partitions (issue
/// #14, step 4): written in the flush's transaction, produced to `klaxon.alerts` with the state
/// stage's next hand-off (in its Kafka transaction), deleted once it commits. A crash between
/// the flush and the hand-off therefore loses none; a crash after the commit and before the
/// delete sends one again, which the owner finds already recorded.
public final class OwnerNotices: Sendable {
    private let database: StateDatabase

    public init(database: StateDatabase) { self.database = database }

    static func createTable(_ db: Database) throws {
        try db.execute(sql: "CREATE TABLE owner_notices (id INTEGER PRIMARY KEY, fingerprint INTEGER NOT NULL, command BLOB NOT NULL)")
    }

    /// Queues `commands` in the caller's write transaction.
    static func queue(_ commands: [AlertCommand], in db: Database) throws {
        guard !commands.isEmpty else { return }
        let insert = try db.cachedStatement(sql: "INSERT INTO owner_notices (fingerprint, command) VALUES (?, ?)")
        for c in commands { try insert.execute(arguments: [Int64(bitPattern: c.fingerprint.value), c.encoded()]) }
    }

    /// A queued notice: its row, the alert it is about, the command's bytes.
    public struct Pending: Sendable {
        public var id: Int64
        public var fingerprint: Fingerprint
        public var command: Data
    }

    /// Whether some notice waits for a hand-off.
    public func waiting() throws -> Bool {
        try database.pool.read { db in try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM owner_notices)") ?? false }
    }

    /// The oldest queued notices, up to `limit`.
    public func take(limit: Int = 10_000) throws -> [Pending] {
        try database.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, fingerprint, command FROM owner_notices ORDER BY id LIMIT ?", arguments: [limit]).map { row in
                Pending(id: row[0], fingerprint: Fingerprint(value: UInt64(bitPattern: row[1])), command: row[2])
            }
        }
    }

    /// Deletes the notices a committed hand-off produced.
    public func written(_ ids: [Int64]) throws {
        guard !ids.isEmpty else { return }
        try database.pool.write { db in
            let delete = try db.cachedStatement(sql: "DELETE FROM owner_notices WHERE id = ?")
            for id in ids { try delete.execute(arguments: [id]) }
        }
    }
}
