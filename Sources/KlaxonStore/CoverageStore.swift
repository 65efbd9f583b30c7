import Foundation
import GRDB
import KlaxonCore

/// What vulnerability coverage is computed from (migration v13): every artifact seen in an
/// event (`coverage_artifact`: kind, name, environment, first and last sighting when the
/// report arrived, and `known_since`, the coverage timers' time when they first counted it) and
/// the latest complete scan of every artifact name (`coverage_scan`). Merges are idempotent
/// (min first, max last), so a batch re-read after a crash changes nothing.
public final class CoverageStore: Sendable {
    private let database: StateDatabase

    public init(database: StateDatabase) { self.database = database }

    static func createTables(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE coverage_artifact (
                kind TEXT NOT NULL,
                name TEXT NOT NULL,
                environment TEXT NOT NULL,
                first_seen DOUBLE NOT NULL,
                last_seen DOUBLE NOT NULL,
                known_since DOUBLE,
                PRIMARY KEY (kind, name, environment)
            ) WITHOUT ROWID;
            CREATE TABLE coverage_scan (
                name TEXT PRIMARY KEY,
                last_scan DOUBLE NOT NULL
            ) WITHOUT ROWID;
            """)
    }

    /// Merges sightings and scans in a transaction of their own.
    public func record(_ o: CoverageObservations) throws {
        guard !o.isEmpty else { return }
        try database.pool.write { try Self.record(o, in: $0) }
    }

    /// Merges one batch's sightings and scans inside the caller's transaction (the ingest
    /// write, so a batch is one commit). The merge is idempotent: a replayed batch changes nothing.
    static func record(_ o: CoverageObservations, in db: Database) throws {
        guard !o.isEmpty else { return }
        do {
            let see = try db.cachedStatement(sql: """
                INSERT INTO coverage_artifact (kind, name, environment, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (kind, name, environment) DO UPDATE SET
                    first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen)
                """)
            for (key, span) in o.sightings {
                try see.execute(arguments: [key.kind, key.name, key.environment, span.first.timeIntervalSince1970, span.last.timeIntervalSince1970])
            }
            let scan = try db.cachedStatement(sql: """
                INSERT INTO coverage_scan (name, last_scan) VALUES (?, ?)
                ON CONFLICT (name) DO UPDATE SET last_scan = max(last_scan, excluded.last_scan)
                """)
            for (name, at) in o.scans { try scan.execute(arguments: [name, at.timeIntervalSince1970]) }
        }
    }

    /// Stamps `now` (the timers' clock) as the time artifacts not counted before became known:
    /// a new artifact's first schedule period runs from there.
    public func markKnown(at now: Date) throws {
        try database.pool.write { db in
            try db.execute(sql: "UPDATE coverage_artifact SET known_since = ? WHERE known_since IS NULL", arguments: [now.timeIntervalSince1970])
        }
    }

    /// Every artifact seen (`first`: when it became known, see `markKnown`; `last`: its latest
    /// sighting), and the latest scan per name.
    public func snapshot() throws -> (sightings: [CoverageObservations.Key: CoverageObservations.Span], scans: [String: Date]) {
        try database.pool.read { db in
            var sightings: [CoverageObservations.Key: CoverageObservations.Span] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT kind, name, environment, coalesce(known_since, first_seen), last_seen FROM coverage_artifact") {
                sightings[CoverageObservations.Key(kind: row[0], name: row[1], environment: row[2])] = CoverageObservations.Span(
                    first: Date(timeIntervalSince1970: row[3]), last: Date(timeIntervalSince1970: row[4]))
            }
            var scans: [String: Date] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT name, last_scan FROM coverage_scan") {
                scans[row[0]] = Date(timeIntervalSince1970: row[1])
            }
            return (sightings, scans)
        }
    }

    /// Coverage at `now` under `config` (read only: artifacts not yet marked known count as
    /// known since their first sighting).
    public func evaluate(_ config: CoverageConfig, now: Date) throws -> CoverageEvaluation {
        let (sightings, scans) = try snapshot()
        return CoverageEvaluation.evaluate(sightings: sightings, scans: scans, config: config, now: now)
    }
}
