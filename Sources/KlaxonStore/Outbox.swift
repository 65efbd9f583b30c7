import Foundation
import GRDB
import KlaxonCore

/// One queued notification for one integration of one receiver.
public struct OutboxEntry: Sendable, Identifiable {
    public enum Status: String, Sendable { case pending, delivered, dead }

    public var id: Int64
    public var idempotencyKey: String
    public var receiver: String
    public var integration: String
    public var notification: AlertNotification
    public var status: Status
    public var attempts: Int
    public var lastError: String?
    public var createdAt: Date
    public var deliveredAt: Date?
}

/// The durable per-integration queue that notifications leave through.
public final class Outbox: Sendable {
    private let database: StateDatabase
    private var pool: DatabasePool { database.pool }

    public init(database: StateDatabase) { self.database = database }

    /// Pending entries whose next attempt is due at `now`, oldest first.
    public func due(now: Date, limit: Int = 200) throws -> [OutboxEntry] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?",
                arguments: [now.timeIntervalSince1970, limit]
            ).map(Self.decode)
        }
    }

    /// When the earliest pending entry becomes due, if any is pending.
    public func nextDue() throws -> Date? {
        try pool.read { db in
            try Double.fetchOne(db, sql: "SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'pending'")
                .map(Date.init(timeIntervalSince1970:))
        }
    }

    public func markDelivered(_ id: Int64, at now: Date) throws {
        try pool.write { db in
            try db.execute(
                sql: "UPDATE outbox SET status = 'delivered', attempts = attempts + 1, delivered_at = ?, last_error = NULL WHERE id = ?",
                arguments: [now.timeIntervalSince1970, id])
        }
    }

    /// Records a failed attempt: retried at `retryAt`, or dead-lettered when `retryAt` is nil.
    public func markFailed(_ id: Int64, error: String, retryAt: Date?) throws {
        try pool.write { db in
            try db.execute(
                sql: """
                    UPDATE outbox SET attempts = attempts + 1, last_error = ?,
                        status = CASE WHEN ? THEN 'pending' ELSE 'dead' END,
                        next_attempt_at = COALESCE(?, next_attempt_at)
                    WHERE id = ?
                    """,
                arguments: [error, retryAt != nil, retryAt?.timeIntervalSince1970, id])
        }
    }

    /// Moves entries' next attempt to `until` without counting an attempt (they wait in order
    /// behind an earlier entry of the same integration that is being retried).
    public func postpone(_ ids: [Int64], until: Date) throws {
        guard !ids.isEmpty else { return }
        try pool.write { db in
            for id in ids {
                try db.execute(
                    sql: "UPDATE outbox SET next_attempt_at = MAX(next_attempt_at, ?) WHERE id = ? AND status = 'pending'",
                    arguments: [until.timeIntervalSince1970, id])
            }
        }
    }

    /// Entries in a status, newest first (for `klaxon` reports and tests).
    public func entries(status: OutboxEntry.Status? = nil, limit: Int = 10_000) throws -> [OutboxEntry] {
        try pool.read { db in
            if let status {
                return try Row.fetchAll(
                    db, sql: "SELECT * FROM outbox WHERE status = ? ORDER BY id DESC LIMIT ?",
                    arguments: [status.rawValue, limit]
                ).map(Self.decode)
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM outbox ORDER BY id DESC LIMIT ?", arguments: [limit])
                .map(Self.decode)
        }
    }

    /// Number of entries per status.
    public func counts() throws -> [OutboxEntry.Status: Int] {
        try pool.read { db in
            var result: [OutboxEntry.Status: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM outbox GROUP BY status") {
                if let s = OutboxEntry.Status(rawValue: row["status"]) { result[s] = row["n"] }
            }
            return result
        }
    }

    private static func decode(_ row: Row) throws -> OutboxEntry {
        OutboxEntry(
            id: row["id"], idempotencyKey: row["idempotency_key"], receiver: row["receiver"],
            integration: row["integration"],
            notification: try AlertStore.decoder.decode(AlertNotification.self, from: row["payload"] as Data),
            status: OutboxEntry.Status(rawValue: row["status"]) ?? .pending, attempts: row["attempts"],
            lastError: row["last_error"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
            deliveredAt: (row["delivered_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
    }
}
