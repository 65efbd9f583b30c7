import Foundation
import GRDB
import KlaxonCore
import Synchronization

/// Alert state by fingerprint, with the outbox and the ingest ledger in the same database so
/// one transaction covers all of a batch's effects. Dedup decisions read an in-memory index
/// (`HotEntry` per fingerprint, loaded at start); a duplicate costs one small UPDATE.
/// One writer at a time (the ingest loop) is assumed for `apply`.
public final class AlertStore: Sendable {
    public let database: StateDatabase
    private var pool: DatabasePool { database.pool }
    let hot: Mutex<HotIndex>
    /// Rows in `alert_touch` not yet compacted.
    private let touches: Mutex<Int>
    /// Held across a write transaction and the index update that follows it, so the ingest
    /// loop and API calls (acknowledge, resolve) never interleave their index updates.
    private let writeLock = Mutex(())
    /// Where `applyOffPool` runs the blocking write.
    let writer = OffPool("klaxon.store.writer")
    /// Alert states changed and not yet taken for the changelog (`takeChangelog`).
    let changelog = Mutex(ChangelogQueue())
    /// Threshold counts, written with the batch whose reports changed them.
    public let thresholds: ThresholdStore
    /// Compaction runs inside the batch that takes the touch log past this many rows.
    public static let compactionThreshold = 200_000

    /// Opens the store and loads the index of every alert's state. The touch log is folded into
    /// the counters first, so the load is one pass over `alert` joined with `alert_counter`.
    public init(database: StateDatabase) throws {
        self.database = database
        self.thresholds = ThresholdStore(database: database)
        try database.pool.write { try Self.compact($0) }
        let index = try database.pool.read { db in
            var index = HotIndex()
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT a.fingerprint, a.status, a.first_seen_at, COALESCE(c.last_seen_at, a.last_seen_at),
                           COALESCE(c.occurrences, a.occurrences), a.regressions, a.resolved_at,
                           COALESCE(c.sources, a.sources), a.admitted, a.acknowledged_at, a.scope, a.expires_after
                    FROM alert a LEFT JOIN alert_counter c ON c.fp = a.fingerprint
                    """)
            while let row = try rows.next() {
                guard let fp = Fingerprint(hex: row[0]) else { continue }
                let scope = index.scopeID(row[10])
                index.set(fp, HotEntry(
                    status: AlertState.Status(rawValue: row[1]) ?? .firing, firstSeenAt: row[2], lastSeenAt: row[3],
                    occurrences: row[4], regressions: row[5], resolvedAt: row[6], acknowledgedAt: row[9],
                    sources: SourceSet(list: row[7]), admitted: row[8], scope: scope, expiresAfter: row[11]))
            }
            return index
        }
        hot = Mutex(index)
        touches = Mutex(0)
        try queuePendingChangelog()
    }

    /// Runs `body` as the only writer of alert state (see `writeLock`).
    func withWriteLock<T>(_ body: () throws -> T) throws -> T { try writeLock.withLock { _ in try body() } }

    /// Number of fingerprints in state.
    public var count: Int { hot.withLock { $0.count } }

    /// Applies a batch in one transaction: ledger runs, alert state (via `AlertLifecycle`), and
    /// resolutions by complete scans. Notifications are not queued here: grouping decides them
    /// and records them with `recordFlush`. Applying the same batch again (redelivery after a
    /// crash) only counts the reports again.
    /// - Parameters:
    ///   - decide: the noise filter; the default admits whatever the lifecycle notifies.
    ///   - thresholds: the threshold keys `decide` changed, asked once the batch is planned
    ///     and written in its transaction (`ThresholdStore`).
    @discardableResult
    public func apply(
        _ batch: BatchWrite,
        decide: NoiseDecider = { _, t, _, _ in t.notifies ? .notify(transition: t, threshold: nil) : .suppressed(.duplicate, .duplicate) },
        thresholds: ThresholdChanges? = nil
    ) throws -> BatchResult {
        try writeLock.withLock { _ in
            let (result, samples) = try applyLocked(batch, decide: decide, thresholds: thresholds)
            LifecycleMetrics.emit(samples)
            return result
        }
    }

    /// `apply` on the store's own writer thread: the caller suspends instead of holding one of
    /// the cooperative pool's threads (two on a 2-core host) for the transaction, so the HTTP
    /// API and `/metrics` keep answering while the ingest loop writes.
    public func applyOffPool(
        _ batch: BatchWrite, decide: @escaping @Sendable (Alert, AlertTransition, Bool, Date) -> NoiseDecision, thresholds: ThresholdChanges? = nil
    ) async throws -> BatchResult {
        try await writer.run { try self.apply(batch, decide: decide, thresholds: thresholds) }
    }

    private func applyLocked(_ batch: BatchWrite, decide: NoiseDecider, thresholds source: ThresholdChanges?) throws -> (BatchResult, [LifecycleSample]) {
        // Decide first, in memory, then write once: the transaction holds no decision.
        let plan = hot.withLock { BatchPlan.make(batch, index: &$0, decide: decide) }
        let counted = source?.take() ?? []
        var samples: [LifecycleSample] = []
        var logged: [AlertChangelogRecord] = []
        let changes: [AlertState]
        do {
            changes = try pool.write { db in
                let changes = try write(plan, batch: batch, in: db, samples: &samples, changelog: &logged)
                try ThresholdStore.write(counted, in: db)
                return changes
            }
        } catch {
            // The counts moved on in memory; their keys are written with the next batch.
            source?.giveBack(counted)
            throw error
        }
        thresholds.queue(counted)
        hot.withLock { index in
            for (fp, entry) in plan.updated { index.set(fp, entry) }
        }
        changelog.withLock { q in for r in logged { q.add(r) } }
        return (BatchResult(transitions: plan.reports.map(\.transition), decisions: plan.reports.map(\.decision), changes: changes), samples)
    }

    /// Writes a batch's plan: ledger, alert rows (a touch for a plain duplicate), history,
    /// resolutions by complete scans, coverage. Returns what grouping must hear about.
    /// `changelog` gets every changed alert's whole state, in the order of the batch.
    private func write(
        _ plan: BatchPlan, batch: BatchWrite, in db: Database, samples: inout [LifecycleSample], changelog: inout [AlertChangelogRecord]
    ) throws -> [AlertState] {
        try IngestLedger.record(batch.consumed, at: Date().timeIntervalSince1970, in: db)
        var changes: [Fingerprint: AlertState] = [:]
        for r in plan.reports {
            let fp = r.state.alert.fingerprint
            if r.touchOnly {
                try Self.touch(db, fp, r.state, sources: r.sources)
            } else {
                // A new alert's `opened` event is written on its row (`AlertHistory.opened`).
                let opened = r.transition == .opened ? AlertHistory.opened(r.report, r.decision) : nil
                try Self.save(
                    db, r.state, owner: r.report.owner, sources: r.sources, admitted: r.admitted, decision: r.record, isNew: r.isNew,
                    opened: opened)
            }
            try AlertHistory.reported(db, r.report, r.state, r.transition, r.decision, wasAdmitted: r.wasAdmitted, samples: &samples)
            if r.decision.notifies { changes[fp] = r.state }
            changelog.append(AlertChangelogRecord(state: r.state, owner: r.report.owner, sources: r.sources.list, admitted: r.admitted))
        }
        for r in plan.resolutions {
            try db.cachedStatement(sql: "UPDATE alert SET status = 'resolved', resolved_at = ? WHERE fingerprint = ?")
                .execute(arguments: [r.scan.at.timeIntervalSince1970, r.fingerprint.description])
            // The content is read back for the changelog (and grouping, when admitted).
            if let row = try Row.fetchOne(
                db, sql: "SELECT alert_json, owner FROM alert WHERE fingerprint = ?", arguments: [r.fingerprint.description])
            {
                let state = r.after.state(alert: try AlertCodec.decode(row[0]))
                if r.before.admitted { changes[r.fingerprint] = state }
                changelog.append(AlertChangelogRecord(state: state, owner: row[1], sources: r.after.sources.list, admitted: r.after.admitted))
            }
            try AlertHistory.resolved(
                db, r.fingerprint, alert: changes[r.fingerprint]?.alert, firstSeenAt: r.before.firstSeenAt,
                occurrences: r.before.occurrences, lastSeenAt: r.before.lastSeenAt, at: r.scan.at, by: "scan",
                reason: "a complete scan of \(r.scan.scopes.joined(separator: ", ")) no longer reports it", samples: &samples)
        }
        try CoverageStore.record(batch.coverage, in: db)
        let appended = batch.reports.count + plan.updated.count  // touches per report, plus resolutions (an upper bound)
        let pending = touches.withLock { n in
            n += appended
            return n
        }
        if pending > Self.compactionThreshold {
            try Self.compact(db)
            touches.withLock { $0 = 0 }
        }
        return Array(changes.values)
    }

    /// Changes one alert's state by hand (acknowledge, resolve): `change` gets the current state
    /// and returns the new one, or nil to leave it. Returns the new state, or nil when unchanged.
    /// The change enters the alert's history as done by `actor` (default `api`) because of `reason`.
    /// When it acknowledges and `followUps` is given, an acknowledgement for every integration
    /// that was notified of the alert firing is queued in the same transaction
    /// (`queueFollowUps`), so none is lost to a crash.
    public func update(
        _ fingerprint: Fingerprint, by actor: String = "api", reason: String = "", followUps: FollowUpRouting? = nil,
        _ change: (AlertState) -> AlertState?
    ) throws -> AlertState? {
        try writeLock.withLock { _ in
            guard let entry = hot.withLock({ $0[fingerprint] }) else { return nil }
            var samples: [LifecycleSample] = []
            var pendingOwner = ""
            let written = try pool.write { db -> AlertState? in
                guard let row = try Row.fetchOne(
                    db, sql: "SELECT alert_json, owner FROM alert WHERE fingerprint = ?", arguments: [fingerprint.description]),
                    let next = change(entry.state(alert: try AlertCodec.decode(row[0])))
                else { return nil }
                try Self.save(db, next, owner: row[1], sources: entry.sources, admitted: entry.admitted, decision: nil)
                // A change no input message carries: marked until it reaches the changelog.
                try Self.markPending(fingerprint, in: db)
                pendingOwner = row[1]
                try AlertHistory.changed(db, from: entry.status, to: next, by: actor, reason: reason, admitted: entry.admitted, samples: &samples)
                if let followUps, next.status == .acknowledged, entry.status != .acknowledged {
                    _ = try Self.queueFollowUps(db, next, status: .acknowledged, by: actor, routing: followUps, samples: &samples)
                }
                return next
            }
            LifecycleMetrics.emit(samples)
            guard let state = written else { return nil }
            hot.withLock { $0.set(fingerprint, HotEntry(state, sources: entry.sources, admitted: entry.admitted, scope: entry.scope)) }
            changelog.withLock {
                $0.add(AlertChangelogRecord(
                    state: state, owner: pendingOwner, sources: entry.sources.list, admitted: entry.admitted,
                    acknowledgedBy: state.status == .acknowledged && entry.status != .acknowledged ? actor : nil), durable: true)
            }
            return state
        }
    }

    /// The unresolved alerts' sources and last report times that `include` accepts, from the
    /// index (resolve timeouts, coverage). Filtering here keeps a pass from holding every open
    /// alert: a copy of all of them was ~126 MB, twice over while the array grew, at a million (#8).
    public func unresolvedActivity(where include: (UnresolvedActivity) -> Bool = { _ in true }) -> [UnresolvedActivity] {
        hot.withLock { index in
            // One source list per distinct set, shared by every alert that has it (a fresh
            // array per alert was a heap block each: ~100 MB a sweep at a million alerts, #8).
            var lists: [SourceSet: [String]] = [:]
            var out: [UnresolvedActivity] = []
            for (fp, e) in index.entries where e.status != .resolved {
                let sources = lists[e.sources] ?? e.sources.list.split(separator: ",").map(String.init)
                lists[e.sources] = sources
                let activity = UnresolvedActivity(
                    fingerprint: fp, sources: sources, lastSeenAt: Date(timeIntervalSince1970: e.lastSeenAt), admitted: e.admitted,
                    expiresAfter: e.expiresAfter > 0 ? Double(e.expiresAfter) : nil)
                if include(activity) { out.append(activity) }
            }
            return out
        }
    }

    /// The noise filter's last verdict for an alert other than "duplicate" (empty when it
    /// notified every time), for `klaxon alerts explain`.
    public func lastDecision(of fingerprint: Fingerprint) throws -> String? {
        try pool.read { db in
            try String.fetchOne(db, sql: "SELECT last_decision FROM alert WHERE fingerprint = ?", arguments: [fingerprint.description])
        }
    }

    /// The sources that reported an alert (e.g. `inspector2,trivy`).
    public func sources(of fingerprint: Fingerprint) -> [String] {
        hot.withLock { $0[fingerprint]?.sources.list.split(separator: ",").map(String.init) ?? [] }
    }

    /// The persisted notification log.
    public func notificationLog() throws -> [String: GroupScheduler.LogEntry] {
        try pool.read { db in
            var result: [String: GroupScheduler.LogEntry] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT log_key, entry FROM nflog") {
                result[LogEntryCodec.key(row[0])] = try LogEntryCodec.decode(row["entry"])
            }
            return result
        }
    }

    /// Alerts grouping must know after a restart: everything firing or acknowledged, and what
    /// resolved since `resolvedSince` (its resolved notification may still be due); of those,
    /// the fingerprints `included` takes (a partition taken over).
    public func activeStates(resolvedSince: Date, where included: (Fingerprint) -> Bool = { _ in true }) throws -> [AlertState] {
        let since = resolvedSince.timeIntervalSince1970
        let fps = hot.withLock { index in
            index.entries.compactMap { fp, e in
                e.admitted && (e.status != .resolved || (e.resolvedAt ?? 0) >= since) && included(fp) ? fp : nil
            }
        }
        return try states(of: fps)
    }

    /// The current state of one fingerprint.
    public func state(of fingerprint: Fingerprint) throws -> AlertState? {
        try states(of: [fingerprint]).first
    }

    /// All alert states, most recently seen first.
    public func states(limit: Int = 10_000) throws -> [AlertState] {
        try states(of: hot.withLock { $0.recent(limit: limit) })
    }

    /// `states(limit:)` of the alerts `held` keeps (this instance's partitions) and Klaxon's own,
    /// which each instance raises for itself.
    public func states(limit: Int = 10_000, held: (Fingerprint) -> Bool) throws -> [AlertState] {
        let klaxon = SourceSet(ScanOverdueAlert.source).bits
        return try states(of: hot.withLock { $0.recent(limit: limit) { fp, e in e.sources.bits & klaxon != 0 || held(fp) } })
    }

    /// The current states of these fingerprints, by fingerprint (unknown ones left out).
    public func contents(of fps: [Fingerprint]) throws -> [Fingerprint: AlertState] {
        Dictionary(try states(of: fps).map { ($0.alert.fingerprint, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The states of these fingerprints, in the given order (unknown ones left out): content
    /// from SQLite, status, times and counters from the index.
    private func states(of fps: [Fingerprint]) throws -> [AlertState] {
        let content = try pool.read { db in try Self.content(of: fps, in: db) }
        return hot.withLock { index in fps.compactMap { fp in content[fp].flatMap { alert in index[fp]?.state(alert: alert) } } }
    }

    /// The stored content of these alerts (unknown ones left out), read in statements of up to
    /// 500 fingerprints; also what outbox rows that refer to alerts are completed with.
    static func content(of fps: [Fingerprint], in db: Database) throws -> [Fingerprint: Alert] {
        var content: [Fingerprint: Alert] = [:]
        content.reserveCapacity(fps.count)
        for start in stride(from: 0, to: fps.count, by: 500) {
            let chunk = fps[start..<min(start + 500, fps.count)]
            let rows = try Row.fetchCursor(
                db.statement(inList: "SELECT fingerprint, alert_json FROM alert WHERE fingerprint IN (\(databaseQuestionMarks(count: chunk.count)))", count: chunk.count),
                arguments: StatementArguments(chunk.map(\.description)))
            while let row = try rows.next() {
                if let fp = Fingerprint(hex: row[0]) { content[fp] = try AlertCodec.decode(row[1]) }
            }
        }
        return content
    }

    /// How often each message of a topic was processed (the ingest ledger).
    public func timesSeen(topic: String) throws -> [Int64: Int] {
        try pool.read { try IngestLedger.timesSeen(topic: topic, in: $0) }
    }

    /// The ingest ledger: every consumed message, how often it was processed, and its outcome.
    public func ledger() throws -> [LedgerEntry] {
        try pool.read { try IngestLedger.entries(in: $0) }
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .millisecondsSince1970
        e.outputFormatting = .sortedKeys
        return e
    }()
    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .millisecondsSince1970
        return d
    }()

    /// A duplicate report: appends its counters to the touch log (see migration v6).
    private static func touch(_ db: Database, _ fp: Fingerprint, _ s: AlertState, sources: SourceSet) throws {
        try db.cachedStatement(sql: "INSERT INTO alert_touch (fp, last_seen_at, occurrences, sources) VALUES (?, ?, ?, ?)")
            .execute(arguments: [fp.description, s.lastSeenAt.timeIntervalSince1970, s.occurrences, sources.list])
    }

    /// Folds the latest touch of each fingerprint into `alert_counter` and empties the log.
    static func compact(_ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO alert_counter (fp, last_seen_at, occurrences, sources)
            SELECT fp, last_seen_at, occurrences, sources FROM alert_touch
            WHERE rowid IN (SELECT MAX(rowid) FROM alert_touch GROUP BY fp) ORDER BY fp
            ON CONFLICT(fp) DO UPDATE SET
                last_seen_at = excluded.last_seen_at, occurrences = excluded.occurrences, sources = excluded.sources;
            DELETE FROM alert_touch;
            """)
    }

    /// Writes the whole row; `decision` (the noise filter's verdict) is kept when nil.
    /// `isNew`: no row, touch or counter exists for the fingerprint yet, so none can win over it.
    /// `opened`: the alert's `opened` event, stored by the insert only (an update keeps the row's).
    static func save(
        _ db: Database, _ s: AlertState, owner: String, sources: SourceSet, admitted: Bool, decision: String?, isNew: Bool = false,
        opened: AlertEvent? = nil
    ) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO alert (fingerprint, owner, status, alertname, source, severity_id, alert_json,
                                   first_seen_at, last_seen_at, occurrences, regressions, resolved_at, scope, sources,
                                   admitted, last_decision, acknowledged_at, expires_after, opened_at, opened_by, opened_reason)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, COALESCE(?, ''), ?, ?, ?, ?, ?)
                ON CONFLICT(fingerprint) DO UPDATE SET
                    owner = excluded.owner, status = excluded.status, alertname = excluded.alertname,
                    source = excluded.source, severity_id = excluded.severity_id, alert_json = excluded.alert_json,
                    first_seen_at = excluded.first_seen_at, last_seen_at = excluded.last_seen_at,
                    occurrences = excluded.occurrences, regressions = excluded.regressions,
                    resolved_at = excluded.resolved_at, scope = excluded.scope, sources = excluded.sources,
                    admitted = excluded.admitted, acknowledged_at = excluded.acknowledged_at,
                    expires_after = excluded.expires_after,
                    last_decision = CASE WHEN ? IS NULL THEN last_decision ELSE excluded.last_decision END,
                    notified_at = CASE WHEN excluded.first_seen_at = alert.first_seen_at THEN alert.notified_at END,
                    sla_breached = CASE WHEN excluded.first_seen_at = alert.first_seen_at THEN alert.sla_breached ELSE '' END
                """
        ).execute(
            arguments: [
                s.alert.fingerprint.description, owner, s.status.rawValue, s.alert.name, s.alert.source ?? "",
                s.alert.severity.id, AlertCodec.encode(s.alert), s.firstSeenAt.timeIntervalSince1970,
                s.lastSeenAt.timeIntervalSince1970, s.occurrences, s.regressions, s.resolvedAt?.timeIntervalSince1970,
                s.alert.scope, sources.list, admitted, decision, s.acknowledgedAt?.timeIntervalSince1970, s.alert.expiresAfter,
                opened?.at.timeIntervalSince1970, opened?.actor, opened?.reason, decision,
            ])
        // The row now holds the counts; a touch keeps any older touch or counter from winning
        // (a new alert has neither: one insert less per new alert on the ingest path).
        if !isNew { try touch(db, s.alert.fingerprint, s, sources: sources) }
    }
}

/// An unresolved alert's sources and last report (see `AlertStore.unresolvedActivity`).
public struct UnresolvedActivity: Sendable, Hashable {
    public var fingerprint: Fingerprint
    public var sources: [String]
    public var lastSeenAt: Date
    /// It passed the noise filter: its resolution must reach grouping.
    public var admitted: Bool
    /// Seconds after `lastSeenAt` at which its source said it ends (Alertmanager's `endsAt`).
    public var expiresAfter: Double? = nil
}

/// One message of the ingest ledger.
public struct LedgerEntry: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var timesSeen: Int
    public var outcome: String

    public var isDeadLetter: Bool { outcome.hasPrefix("deadletter") }
}
