import Foundation
import GRDB
import KlaxonCore
import Synchronization

/// Fingerprints people marked as false positives, with who, when and why. The store is also
/// the one in-memory holder of the marked fingerprints (`contains`), which the noise filter and
/// grouping consult: a mark made through it counts at once, with nothing pushed to them.
public final class FalsePositiveStore: Sendable {
    public struct Mark: Sendable, Hashable {
        public var fingerprint: Fingerprint
        public var reason: String
        public var markedBy: String
        public var markedAt: Date

        public init(fingerprint: Fingerprint, reason: String, markedBy: String, markedAt: Date) {
            self.fingerprint = fingerprint
            self.reason = reason
            self.markedBy = markedBy
            self.markedAt = markedAt
        }
    }

    private let database: StateDatabase
    /// The marked fingerprints, read once (`load()`), then kept in step by `mark` and `unmark`.
    private let marked = Mutex<Set<Fingerprint>?>(nil)

    public init(database: StateDatabase) { self.database = database }

    /// Reads the marked fingerprints into memory (at start, before the first `contains`).
    public func load() throws {
        let set = Set(try all().map(\.fingerprint))
        marked.withLock { $0 = set }
    }

    /// Whether `fingerprint` is marked. Before `load()` it loads first; if that read fails the
    /// answer is "not marked" — the alert notifies rather than being dropped unseen.
    public func contains(_ fingerprint: Fingerprint) -> Bool {
        if let hit = marked.withLock({ $0?.contains(fingerprint) }) { return hit }
        try? load()
        return marked.withLock { $0?.contains(fingerprint) ?? false }
    }

    /// The marked fingerprints now (see `contains`).
    public var fingerprints: Set<Fingerprint> {
        if let set = marked.withLock({ $0 }) { return set }
        try? load()
        return marked.withLock { $0 ?? [] }
    }

    public func mark(_ fingerprint: Fingerprint, reason: String, by: String, at now: Date) throws {
        try database.pool.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO false_positive (fingerprint, reason, marked_by, marked_at) VALUES (?, ?, ?, ?)",
                arguments: [fingerprint.description, reason, by, now.timeIntervalSince1970])
        }
        marked.withLock { $0?.insert(fingerprint) }
    }

    /// Takes a mark back: the fingerprint is judged like any other again. False when it was not marked.
    @discardableResult
    public func unmark(_ fingerprint: Fingerprint) throws -> Bool {
        let deleted = try database.pool.write { db in
            try db.execute(sql: "DELETE FROM false_positive WHERE fingerprint = ?", arguments: [fingerprint.description])
            return db.changesCount > 0
        }
        marked.withLock { _ = $0?.remove(fingerprint) }
        return deleted
    }

    public func all() throws -> [Mark] {
        try database.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM false_positive ORDER BY marked_at").compactMap { row in
                Fingerprint(hex: row["fingerprint"]).map {
                    Mark(fingerprint: $0, reason: row["reason"], markedBy: row["marked_by"], markedAt: Date(timeIntervalSince1970: row["marked_at"]))
                }
            }
        }
    }

    /// Per source: distinct alerts, and how many of them are marked false positives.
    public func rates() throws -> [String: (alerts: Int, falsePositives: Int)] {
        try database.pool.read { db in
            var result: [String: (alerts: Int, falsePositives: Int)] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT a.source AS source, COUNT(*) AS alerts, COUNT(f.fingerprint) AS fps
                FROM alert a LEFT JOIN false_positive f ON f.fingerprint = a.fingerprint
                GROUP BY a.source
                """)
            {
                result[row["source"]] = (alerts: row["alerts"], falsePositives: row["fps"])
            }
            return result
        }
    }
}
