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

    /// One grouped scan of `alert` (status, severity and source are columns of the row); with
    /// `held`, of the alerts it keeps (this instance's partitions) and Klaxon's own only.
    public func counts(held: ((Fingerprint) -> Bool)? = nil) throws -> [Key: Int] {
        if let held { return try counts(held) }
        return try database.pool.read { db in
            var result: [Key: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, severity_id, source, COUNT(*) FROM alert GROUP BY 1, 2, 3") {
                let severity = Severity.Level(rawValue: row[1])?.name ?? "unknown"
                let source: String = row[2]
                result[Key(status: row[0], severity: severity, source: source.isEmpty ? "unknown" : source), default: 0] += row[3]
            }
            return result
        }
    }

    /// A partition left in the file by an instance that gave it away is stale (its new owner
    /// counts it): row by row, as the fingerprint decides.
    private func counts(_ held: (Fingerprint) -> Bool) throws -> [Key: Int] {
        try database.pool.read { db in
            var result: [Key: Int] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT status, severity_id, source, fingerprint FROM alert")
            while let row = try rows.next() {
                let source: String = row[2]
                guard source == ScanOverdueAlert.source || Fingerprint(hex: row[3]).map(held) ?? true else { continue }
                let severity = Severity.Level(rawValue: row[1])?.name ?? "unknown"
                result[Key(status: row[0], severity: severity, source: source.isEmpty ? "unknown" : source), default: 0] += 1
            }
            return result
        }
    }
}
