import Foundation
import GRDB
import KlaxonCore

/// Fingerprints people marked as false positives, with who, when and why.
public final class FalsePositiveStore: Sendable {
    public struct Mark: Sendable, Hashable {
        public var fingerprint: Fingerprint
        public var reason: String
        public var markedBy: String
        public var markedAt: Date
    }

    private let database: StateDatabase

    public init(database: StateDatabase) { self.database = database }

    public func mark(_ fingerprint: Fingerprint, reason: String, by: String, at now: Date) throws {
        try database.pool.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO false_positive (fingerprint, reason, marked_by, marked_at) VALUES (?, ?, ?, ?)",
                arguments: [fingerprint.description, reason, by, now.timeIntervalSince1970])
        }
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
