import Foundation
import GRDB
import KlaxonCore

/// How many alerts are in each status, by severity and source (the `klaxon_alerts` gauges).
public struct AlertCensus: Sendable {
    public struct Key: Sendable, Hashable {
        public var status: String
        public var severity: String
        public var source: String

        public init(status: String, severity: String, source: String) {
            self.status = status
            self.severity = severity
            self.source = source
        }
    }

    private let database: StateDatabase

    public init(database: StateDatabase) { self.database = database }

    /// One grouped scan of `alert` (status, severity and source are columns of the row).
    public func counts() throws -> [Key: Int] {
        try database.pool.read { db in
            var result: [Key: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, severity_id, source, COUNT(*) FROM alert GROUP BY 1, 2, 3") {
                let severity = Severity.Level(rawValue: row[1])?.name ?? "unknown"
                let source: String = row[2]
                result[Key(status: row[0], severity: severity, source: source.isEmpty ? "unknown" : source), default: 0] += row[3]
            }
            return result
        }
    }
}
