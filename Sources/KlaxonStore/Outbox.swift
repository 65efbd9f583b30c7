import Foundation
import GRDB
import KlaxonCore
import Synchronization

/// One queued notification for one integration of one receiver.
public struct OutboxEntry: Sendable, Identifiable {
    public enum Status: String, Sendable { case pending, delivered, dead }

    public var id: Int64
    public var idempotencyKey: String
    public var receiver: String
    public var integration: String
    /// The notification's group key: entries of one group leave one integration in order.
    public var groupKey: String
    public var notification: AlertNotification
    public var status: Status
    public var attempts: Int
    public var lastError: String?
    public var nextAttemptAt: Date
    public var createdAt: Date
    public var deliveredAt: Date?

    /// `receiver/integration`, the key of the integration's sink and lane.
    public var lane: String { "\(receiver)/\(integration)" }
}

/// The durable per-integration queue that notifications leave through. It owns the `outbox`
/// and `delivery_attempt` tables: grouping queues through `enqueue(_:at:in:)` inside its own
/// flush transaction; the dispatcher reads due entries per integration and records outcomes
/// in batches.
public final class Outbox: Sendable {
    private let database: StateDatabase
    var pool: DatabasePool { database.pool }
    /// Pending entries and group heads in memory (`withIndex`); nil until first used.
    private let index = Mutex<OutboxPendingIndex?>(nil)
    /// Every row up to this id was looked at for the changelog (`Outbox+Changelog`).
    let announcedUpTo = Mutex<Int64?>(nil)
    /// Carried rows held back for their partition's owner (`Outbox+Ownership`).
    let heldForOwner = Mutex<Set<Int64>>([])

    public init(database: StateDatabase) { self.database = database }

    // MARK: Queueing

    /// Inserts queued notifications in the caller's transaction; a key already present (a
    /// replayed flush) adds nothing. Returns the rows added.
    @discardableResult
    public static func enqueue(
        _ queued: [QueuedNotification], at now: Date, in db: Database, onAdded: (QueuedNotification) throws -> Void = { _ in }
    ) throws -> Int {
        var added = 0
        let statement = try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO outbox
                (idempotency_key, receiver, integration, fingerprint, group_key, fallback_for, payload, next_attempt_at, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for q in queued {
            let n = q.notification
            try statement.execute(arguments: [
                q.key, n.receiver, q.integration, n.alerts.first?.fingerprint.description ?? "", n.groupKey, n.fallbackFor,
                OutboxPayload.encode(q), now.timeIntervalSince1970, now.timeIntervalSince1970,
            ])
            guard db.changesCount > 0 else { continue }
            added += 1
            try onAdded(q)
        }
        return added
    }

    /// `enqueue(_:at:in:)` in a transaction of its own.
    @discardableResult
    public func enqueue(_ queued: [QueuedNotification], at now: Date) throws -> Int {
        try pool.write { try Self.enqueue(queued, at: now, in: $0) }
    }

    // MARK: Dispatching

    /// Pending entries of one integration that are due at `now` and first of their group
    /// (no older pending entry of the same group key waits in that integration), oldest first.
    /// Each integration is read on its own, so one integration's backlog never hides another's.
    /// The heads come from the in-memory index; their rows are read by id and any the table
    /// contradicts (sent, dead, or not due) correct the index and are left out.
    public func dueHeads(receiver: String, integration: String, now: Date, limit: Int, excluding: Set<Int64> = []) throws -> [OutboxEntry] {
        guard limit > 0 else { return [] }
        let lane = OutboxLane(receiver: receiver, integration: integration), at = now.timeIntervalSince1970
        return try pool.read { db in
            var heads: [Row] = []
            var tried = excluding
            while heads.count < limit {
                let ids = try withIndex(db) { $0.dueHeads(lane: lane, now: at, limit: limit - heads.count, excluding: tried) }
                guard !ids.isEmpty else { break }
                tried.formUnion(ids)
                let rows = try Row.fetchAll(
                    db.statement(inList: "SELECT * FROM outbox WHERE id IN (\(databaseQuestionMarks(count: ids.count))) ORDER BY id", count: ids.count),
                    arguments: StatementArguments(ids))
                var stale: [(id: Int64, next: Double?)] = []
                var found = Set<Int64>()
                for row in rows {
                    let id: Int64 = row["id"], next: Double = row["next_attempt_at"]
                    found.insert(id)
                    if row["status"] as String != "pending" {
                        stale.append((id, nil))
                    } else if next > at {
                        stale.append((id, next))
                    } else {
                        heads.append(row)
                    }
                }
                stale += ids.filter { !found.contains($0) }.map { ($0, nil) }
                guard !stale.isEmpty else { break }
                index.withLock { index in
                    for s in stale {
                        if let next = s.next { index?.reschedule(s.id, to: next) } else { index?.forget(s.id) }
                    }
                }
            }
            heads.sort { ($0["id"] as Int64) < ($1["id"] as Int64) }
            return try Self.entries(heads, in: db)
        }
    }

    /// Every due group head across integrations, oldest first (tests and reports).
    public func due(now: Date, limit: Int = 200) throws -> [OutboxEntry] {
        var out: [OutboxEntry] = []
        for lane in try pendingLanes() {
            out += try dueHeads(receiver: lane.receiver, integration: lane.integration, now: now, limit: limit)
        }
        return Array(out.sorted { $0.id < $1.id }.prefix(limit))
    }

    // The four reads below ask the table, not the index: they serve other instances too (a
    // test's or a report's `Outbox` over a running service's file), whose index would not see
    // the service's outcomes.

    /// Integrations with pending entries.
    public func pendingLanes() throws -> [(receiver: String, integration: String)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT DISTINCT receiver, integration FROM outbox WHERE status = 'pending'")
                .map { (receiver: $0["receiver"], integration: $0["integration"]) }
        }
    }

    /// Whether any entry is pending (one index probe, unlike counting).
    public func hasPending() throws -> Bool {
        try pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM outbox WHERE status = 'pending')") ?? false
        }
    }

    /// Pending entries per `receiver/integration` (for `klaxon_outbox_pending`).
    public func pendingCounts() throws -> [String: Int] {
        try pool.read { db in
            var out: [String: Int] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT receiver, integration, COUNT(*) AS n FROM outbox WHERE status = 'pending' GROUP BY receiver, integration")
            {
                out["\(row["receiver"] as String)/\(row["integration"] as String)"] = row["n"]
            }
            return out
        }
    }

    /// When the earliest pending entry that heads its group becomes due, if any is pending.
    public func nextDue() throws -> Date? {
        try pool.read { db in
            try Double.fetchOne(
                db,
                sql: """
                    SELECT MIN(next_attempt_at) FROM outbox o WHERE o.status = 'pending'
                      AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.receiver = o.receiver AND p.integration = o.integration
                                      AND p.group_key = o.group_key AND p.status = 'pending' AND p.id < o.id)
                    """
            ).map(Date.init(timeIntervalSince1970:))
        }
    }

    // MARK: The pending index

    /// Runs `body` on the pending index, brought up to date with the table first: loaded whole
    /// on first use, then only rows added since (ids only grow: the table is AUTOINCREMENT).
    /// Rows are added by grouping's flush in its own transaction, by fallbacks and by other
    /// processes; changes to known rows go through this type, which updates the index after
    /// its write commits.
    private func withIndex<T>(_ db: Database, _ body: (inout OutboxPendingIndex) throws -> T) throws -> T {
        try index.withLock { index in
            if index == nil {
                var fresh = OutboxPendingIndex()
                for row in try Self.pendingRows(db, sql: "SELECT id, receiver, integration, group_key, next_attempt_at FROM outbox WHERE status = 'pending' ORDER BY id") {
                    fresh.insert(row)
                }
                fresh.saw(upTo: try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM outbox") ?? 0)
                index = fresh
            } else {
                let statement = try db.cachedStatement(sql: """
                    SELECT id, receiver, integration, group_key, next_attempt_at, status = 'pending' AS pending FROM outbox WHERE id > ? ORDER BY id
                    """)
                let cursor = try Row.fetchCursor(statement, arguments: [index!.highestSeen])
                while let row = try cursor.next() {
                    if row["pending"] as Bool { index!.insert(Self.pendingRow(row)) } else { index!.saw(upTo: row["id"]) }
                }
            }
            return try body(&index!)
        }
    }

    private static func pendingRows(_ db: Database, sql: String, arguments: StatementArguments = []) throws -> [OutboxPendingIndex.Row] {
        try Row.fetchAll(db, sql: sql, arguments: arguments).map(pendingRow)
    }

    static func pendingRow(_ row: Row) -> OutboxPendingIndex.Row {
        OutboxPendingIndex.Row(
            id: row["id"], lane: OutboxLane(receiver: row["receiver"], integration: row["integration"]),
            groupKey: row["group_key"], nextAttemptAt: row["next_attempt_at"])
    }

    /// Applies committed changes to the index, if it is loaded (a later load reads them).
    func updateIndex(_ change: (inout OutboxPendingIndex) -> Void) {
        index.withLock { index in if index != nil { change(&index!) } }
    }

    /// Applies a batch of outcomes in one transaction: each entry's new state, one
    /// `delivery_attempt` row per real attempt, and the fallback copies to queue.
    public func record(_ outcomes: [DeliveryRecord], fallbacks: [QueuedNotification] = [], at now: Date) throws {
        guard !outcomes.isEmpty || !fallbacks.isEmpty else { return }
        try pool.write { db in
            let delivered = try db.cachedStatement(sql: """
                UPDATE outbox SET status = 'delivered', attempts = attempts + 1, delivered_at = ?, last_error = NULL WHERE id = ?
                """)
            let failed = try db.cachedStatement(sql: """
                UPDATE outbox SET attempts = attempts + 1, last_error = ?,
                    status = CASE WHEN ? THEN 'pending' ELSE 'dead' END,
                    next_attempt_at = COALESCE(?, next_attempt_at)
                WHERE id = ?
                """)
            let deferred = try db.cachedStatement(sql: "UPDATE outbox SET next_attempt_at = MAX(next_attempt_at, ?) WHERE id = ? AND status = 'pending'")
            let attempt = try db.cachedStatement(sql: """
                INSERT INTO delivery_attempt (outbox_id, at, outcome, error, latency_seconds) VALUES (?, ?, ?, ?, ?)
                """)
            for o in outcomes {
                switch o.result {
                case .delivered:
                    try delivered.execute(arguments: [o.at.timeIntervalSince1970, o.id])
                case .retry(let at):
                    try failed.execute(arguments: [o.error, true, at.timeIntervalSince1970, o.id])
                case .dead:
                    try failed.execute(arguments: [o.error, false, nil, o.id])
                case .deferred(let until):
                    try deferred.execute(arguments: [until.timeIntervalSince1970, o.id])
                    continue
                }
                try attempt.execute(arguments: [o.id, o.at.timeIntervalSince1970, o.result.name, o.error, o.latency])
            }
            try Self.enqueue(fallbacks, at: now, in: db)
        }
        // A held row sent here after all (its grace ran out) is no longer waited for.
        heldForOwner.withLock { held in
            if !held.isEmpty { for o in outcomes where o.result == .delivered || o.result == .dead { held.remove(o.id) } }
        }
        updateIndex { index in
            for o in outcomes {
                switch o.result {
                case .delivered, .dead: index.forget(o.id)
                case .retry(let at): index.reschedule(o.id, to: at.timeIntervalSince1970)
                case .deferred(let until):
                    let at = until.timeIntervalSince1970
                    if let next = index.nextAttempt(of: o.id), next < at { index.reschedule(o.id, to: at) }
                }
            }
        }
    }

    /// Records a delivery (one attempt, no latency known).
    public func markDelivered(_ id: Int64, at now: Date) throws {
        try record([DeliveryRecord(id: id, at: now, result: .delivered)], at: now)
    }

    /// Records a failed attempt: retried at `retryAt`, or dead-lettered when `retryAt` is nil.
    public func markFailed(_ id: Int64, error: String, retryAt: Date?, at now: Date = Date()) throws {
        try record([DeliveryRecord(id: id, at: now, result: retryAt.map { .retry(at: $0) } ?? .dead, error: error)], at: now)
    }

    // MARK: Operator surface

    /// Puts a dead (or pending) entry back in the queue, due at `now`, with its attempt count
    /// reset (its history stays in `attempts(of:)`). Returns false when no such entry waits
    /// or failed (delivered entries are not sent again).
    public func retry(_ id: Int64, at now: Date) throws -> Bool {
        try requeue(where: "id = ? AND status IN ('dead', 'pending')", [id], at: now) > 0
    }

    /// Puts every dead entry back in the queue (optionally one receiver's); returns how many.
    public func retryAllDead(receiver: String? = nil, at now: Date) throws -> Int {
        try requeue(where: "status = 'dead' AND (? IS NULL OR receiver = ?)", [receiver, receiver], at: now)
    }

    /// Makes the matching entries pending and due at `now` with no attempts counted, then adds
    /// them to the index.
    private func requeue(where condition: String, _ arguments: StatementArguments, at now: Date) throws -> Int {
        let rows = try pool.write { db in
            let rows = try Self.pendingRows(db, sql: "SELECT id, receiver, integration, group_key, ? AS next_attempt_at FROM outbox WHERE \(condition)",
                arguments: [now.timeIntervalSince1970] + arguments)
            try db.execute(
                sql: "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ? WHERE \(condition)",
                arguments: [now.timeIntervalSince1970] + arguments)
            return rows
        }
        updateIndex { index in
            for row in rows { index.insert(row) }
        }
        return rows.count
    }

    /// One entry by id.
    public func entry(_ id: Int64) throws -> OutboxEntry? {
        try pool.read { db in
            try Self.entries(Row.fetchAll(db, sql: "SELECT * FROM outbox WHERE id = ?", arguments: [id]), in: db).first
        }
    }

    /// Every attempt of an entry, oldest first.
    public func attempts(of id: Int64) throws -> [DeliveryAttempt] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM delivery_attempt WHERE outbox_id = ? ORDER BY id", arguments: [id]).map {
                DeliveryAttempt(
                    at: Date(timeIntervalSince1970: $0["at"]), outcome: $0["outcome"], error: $0["error"], latencySeconds: $0["latency_seconds"])
            }
        }
    }

    /// Entries for `klaxon deliveries list`, newest first: by status (`failed` = pending after
    /// at least one failed attempt) and receiver.
    public func list(filter: DeliveryFilter = .all, receiver: String? = nil, limit: Int = 1000) throws -> [OutboxEntry] {
        let condition: String
        switch filter {
        case .all: condition = "1"
        case .pending: condition = "status = 'pending'"
        case .failed: condition = "status = 'pending' AND attempts > 0"
        case .dead: condition = "status = 'dead'"
        case .delivered: condition = "status = 'delivered'"
        }
        return try pool.read { db in
            try Self.entries(Row.fetchAll(
                db, sql: "SELECT * FROM outbox WHERE \(condition) AND (? IS NULL OR receiver = ?) ORDER BY id DESC LIMIT ?",
                arguments: [receiver, receiver, limit]
            ), in: db)
        }
    }

    /// Entries in a status, newest first (for `klaxon` reports and tests).
    public func entries(status: OutboxEntry.Status? = nil, limit: Int = 10_000) throws -> [OutboxEntry] {
        try list(filter: status.map { DeliveryFilter(rawValue: $0.rawValue)! } ?? .all, limit: limit)
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

    /// Entries from their rows, in order: payloads decoded, then the alerts they refer to read
    /// in one pass over `alert` for all of them (not one read per alert or per entry).
    static func entries(_ rows: [Row], in db: Database) throws -> [OutboxEntry] {
        let decoded = try rows.map { row in
            try OutboxPayload.decode(row["payload"], row: OutboxPayload.Columns(
                key: row["idempotency_key"], receiver: row["receiver"], integration: row["integration"],
                groupKey: row["group_key"], fallbackFor: row["fallback_for"]))
        }
        let contents = try alertContents(of: decoded, in: db)
        return zip(rows, decoded).map { row, d in
            OutboxEntry(
                id: row["id"], idempotencyKey: row["idempotency_key"], receiver: row["receiver"],
                integration: row["integration"], groupKey: row["group_key"],
                notification: OutboxPayload.resolve(d, contents: contents),
                status: OutboxEntry.Status(rawValue: row["status"]) ?? .pending, attempts: row["attempts"],
                lastError: row["last_error"], nextAttemptAt: Date(timeIntervalSince1970: row["next_attempt_at"]),
                createdAt: Date(timeIntervalSince1970: row["created_at"]),
                deliveredAt: (row["delivered_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
        }
    }

    /// The content of every alert the decoded payloads refer to, by fingerprint (rows that are
    /// gone are left out), read through the alert table's owner in one pass.
    static func alertContents(of decoded: [OutboxPayload.Decoded], in db: Database) throws -> [Fingerprint: Alert] {
        var wanted = Set<Fingerprint>()
        for d in decoded {
            for i in d.references { wanted.insert(d.notification.alerts[i].fingerprint) }
        }
        return wanted.isEmpty ? [:] : try AlertStore.content(of: Array(wanted), in: db)
    }
}

/// Which entries `Outbox.list` returns.
public enum DeliveryFilter: String, Sendable, CaseIterable {
    case all, pending, failed, dead, delivered
}

/// The outcome of one dispatch of an entry, as the dispatcher records it.
public struct DeliveryRecord: Sendable {
    public enum Result: Sendable, Hashable {
        case delivered
        /// Failed; try again at this time.
        case retry(at: Date)
        /// Failed for good (a permanent error, or no attempt left).
        case dead
        /// Not sent (breaker open, rate limited): due again at this time, no attempt counted.
        case deferred(until: Date)

        public var name: String {
            switch self {
            case .delivered: "delivered"
            case .retry: "retry"
            case .dead: "dead"
            case .deferred: "deferred"
            }
        }
    }

    public var id: Int64
    /// When the attempt ended (the failure time retries count from).
    public var at: Date
    public var result: Result
    public var error: String?
    /// Seconds the send took.
    public var latency: Double?

    public init(id: Int64, at: Date, result: Result, error: String? = nil, latency: Double? = nil) {
        self.id = id
        self.at = at
        self.result = result
        self.error = error
        self.latency = latency
    }
}

/// One attempt of an entry (`klaxon deliveries show`).
public struct DeliveryAttempt: Sendable, Hashable {
    public var at: Date
    /// `delivered`, `retry` or `dead`.
    public var outcome: String
    public var error: String?
    public var latencySeconds: Double?
}
