import Foundation
import GRDB
import KlaxonCore

/// Every alert's history (`alert_event`, migration v12): opened, reopened, admitted, notified,
/// acknowledged, resolved, SLA breaches and escalations, each with who, when and why.
/// `AlertStore` writes it inside the transaction that changes the state. Duplicate reports
/// get no row of their own: the resolved row keeps the instance's report count, and the
/// current instance's count comes from the live state.
public final class AlertHistory: Sendable {
    let database: StateDatabase

    public init(database: StateDatabase) { self.database = database }

    static func createTable(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE alert_event (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                fingerprint TEXT NOT NULL,
                at DOUBLE NOT NULL,
                kind TEXT NOT NULL,
                actor TEXT NOT NULL,
                reason TEXT NOT NULL DEFAULT '',
                count INTEGER NOT NULL DEFAULT 1,
                last_at DOUBLE,
                ref TEXT
            );
            CREATE INDEX alert_event_fp ON alert_event(fingerprint, at);
            CREATE INDEX alert_event_kind ON alert_event(kind, at);
            """)
    }

    /// Appends one event inside the caller's transaction. A breach is also marked on the alert
    /// row (its kind, the text before the reason's colon), where the SLA pass reads it.
    static func append(_ db: Database, _ fp: Fingerprint, _ e: AlertEvent) throws {
        try db.cachedStatement(sql: """
            INSERT INTO alert_event (fingerprint, at, kind, actor, reason, count, last_at, ref) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """
        ).execute(arguments: [
            fp.description, e.at.timeIntervalSince1970, e.kind.rawValue, e.actor, e.reason, e.count,
            e.lastAt?.timeIntervalSince1970, e.ref,
        ])
        if e.kind == .slaBreached {
            let kind = String(e.reason.prefix { $0 != ":" })
            try db.cachedStatement(sql: """
                UPDATE alert SET sla_breached = CASE WHEN sla_breached = '' THEN ? ELSE sla_breached || ',' || ? END WHERE fingerprint = ?
                """
            ).execute(arguments: [kind, kind, fp.description])
            try LifecycleChangelog.markPending(fp, in: db)
        }
    }

    /// When the instance that began at `since` was first notified (firing), if it was.
    static func firstNotified(_ db: Database, _ fp: Fingerprint, since: Date) throws -> Date? {
        try Double.fetchOne(
            db, sql: "SELECT notified_at FROM alert WHERE fingerprint = ? AND notified_at >= ?",
            arguments: [fp.description, since.timeIntervalSince1970]
        ).map(Date.init(timeIntervalSince1970:))
    }

    /// Appends one event in its own transaction (SLA breaches, escalations).
    public func record(_ fp: Fingerprint, _ event: AlertEvent) throws {
        try database.pool.write { try Self.append($0, fp, event) }
    }

    /// Appends events in one transaction (a pass's SLA breaches).
    public func record(_ events: [(Fingerprint, AlertEvent)]) throws {
        guard !events.isEmpty else { return }
        try database.pool.write { db in
            for (fp, e) in events { try Self.append(db, fp, e) }
        }
    }

    /// An alert's history in time order. Its `opened` event is read from its row (since v17;
    /// id 0: before any other row of the same time) or, for alerts opened by earlier
    /// versions, from `alert_event`. Notifications carry their outbox delivery status;
    /// duplicate reports appear as one `reported` entry per instance. `current` (the live
    /// state) supplies the open instance's report count.
    public func events(of fp: Fingerprint, current: AlertState?) throws -> [AlertEvent] {
        var events: [AlertEvent] = []
        try database.pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT e.at, e.kind, e.actor, e.reason, e.count, e.last_at, e.ref, o.status AS delivery, e.id
                    FROM alert_event e LEFT JOIN outbox o ON e.ref IS NOT NULL AND o.idempotency_key = e.ref
                    WHERE e.fingerprint = ?
                    UNION ALL
                    SELECT opened_at, 'opened', opened_by, opened_reason, 1, NULL, NULL, NULL, 0
                    FROM alert WHERE fingerprint = ? AND opened_at IS NOT NULL
                    ORDER BY 1, 9
                    """, arguments: [fp.description, fp.description])
            for row in rows {
                guard let kind = AlertEvent.Kind(rawValue: row["kind"]) else { continue }
                let at = Date(timeIntervalSince1970: row["at"])
                let lastAt = (row["last_at"] as Double?).map(Date.init(timeIntervalSince1970:))
                let count: Int = row["count"]
                if kind == .resolved, count > 1 {
                    events.append(AlertEvent(at: lastAt ?? at, kind: .reported, actor: "ingest", reason: "duplicate reports", count: count - 1, lastAt: lastAt))
                }
                events.append(AlertEvent(
                    at: at, kind: kind, actor: row["actor"], reason: row["reason"], count: kind == .resolved ? 1 : count,
                    lastAt: kind == .resolved ? nil : lastAt, ref: row["ref"], delivery: row["delivery"]))
            }
        }
        if let current, current.status != .resolved, current.occurrences > 1 {
            events.append(AlertEvent(
                at: current.lastSeenAt, kind: .reported, actor: "ingest", reason: "duplicate reports", count: current.occurrences - 1,
                lastAt: current.lastSeenAt))
        }
        // Stable: a synthesized entry keeps its place among entries of the same time.
        return events.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
    }

    /// Events of these kinds since `since`, oldest first, with their fingerprints (for reports).
    /// Of events at the same time, `opened` ones held on alert rows come first.
    public func events(kinds: [AlertEvent.Kind], since: Date) throws -> [(Fingerprint, AlertEvent)] {
        let opened = kinds.contains(.opened)
            ? """
              UNION ALL SELECT fingerprint, opened_at, 'opened', opened_by, opened_reason, 1, NULL, NULL, 0, rowid
              FROM alert WHERE opened_at >= ?
              """
            : ""
        return try database.pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT fingerprint, at, kind, actor, reason, count, last_at, ref, 1, id FROM alert_event
                    WHERE kind IN (\(databaseQuestionMarks(count: kinds.count))) AND at >= ? \(opened) ORDER BY 2, 9, 10
                    """,
                arguments: StatementArguments(kinds.map(\.rawValue) + [since.timeIntervalSince1970] + (opened.isEmpty ? [] : [since.timeIntervalSince1970]))
            ).compactMap { row in
                guard let fp = Fingerprint(hex: row["fingerprint"]), let kind = AlertEvent.Kind(rawValue: row["kind"]) else { return nil }
                return (fp, AlertEvent(
                    at: Date(timeIntervalSince1970: row["at"]), kind: kind, actor: row["actor"], reason: row["reason"],
                    count: row["count"], lastAt: (row["last_at"] as Double?).map(Date.init(timeIntervalSince1970:)), ref: row["ref"]))
            }
        }
    }
}

extension AlertHistory {
    /// Unresolved admitted alerts with what SLA checks need: severity, source, the first report
    /// of the instance (the resolve clock's start), its first notification, its acknowledgement,
    /// and the SLAs already recorded as breached.
    public func openAlerts() throws -> [OpenAlert] {
        var out: [OpenAlert] = []
        try forEachOpenAlert { out.append($0) }
        return out
    }

    /// Visits the open alerts one at a time through a cursor: a sweep decides per alert and
    /// keeps only what it acts on (an array of every open alert, and the copies a pass made of
    /// it, were ~500 bytes per open alert at the sweep's peak: 155 MB at 300,000, heaptrack; #8).
    public func forEachOpenAlert(_ body: (OpenAlert) throws -> Void) throws {
        try database.pool.read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT a.fingerprint, a.severity_id, a.source, a.first_seen_at, a.acknowledged_at,
                        CASE WHEN a.notified_at >= a.first_seen_at THEN a.notified_at END AS notified_at,
                        a.sla_breached AS breached
                    FROM alert a WHERE a.status IN ('firing', 'acknowledged') AND a.admitted = 1
                    """)
            while let row = try rows.next() {
                guard let fp = Fingerprint(hex: row[0]) else { continue }
                let breachedList: String = row[6]
                let breached = breachedList.isEmpty ? [] : breachedList.split(separator: ",").compactMap { SLAKind(rawValue: String($0)) }
                try body(OpenAlert(
                    fingerprint: fp, severity: Severity.Level(rawValue: row[1]) ?? .unknown, source: row[2],
                    detectedAt: Date(timeIntervalSince1970: row[3]),
                    notifiedAt: (row[5] as Double?).map(Date.init(timeIntervalSince1970:)),
                    acknowledgedAt: (row[4] as Double?).map(Date.init(timeIntervalSince1970:)), breached: Set(breached)))
            }
        }
    }
}
