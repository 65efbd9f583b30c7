import Foundation
import GRDB
import KlaxonCore

/// What the lifecycle timers need of an alert besides its state, as the state changelog carries
/// it (key `<fingerprint>/lifecycle`, beside the alert's own record on the same partition): when
/// its instance was first notified, the SLAs it already breached, and its escalations. Without
/// it a new owner of the partition sees a notified alert as never notified, so it neither
/// escalates it nor knows which breaches were recorded (docs/scaling.md).
public struct LifecycleChangelogRecord: Sendable, Hashable {
    public var fingerprint: Fingerprint
    /// First seen time of the alert instance the fields belong to (a record of an earlier
    /// instance applies to nothing).
    public var instanceStart: Date
    public var notifiedAt: Date?
    /// The breached SLAs, as the alert row keeps them (`acknowledge,resolve`).
    public var slaBreached: String
    /// Every escalation of the alert (none when they ended).
    public var escalations: [EscalationState]

    public init(fingerprint: Fingerprint, instanceStart: Date, notifiedAt: Date?, slaBreached: String, escalations: [EscalationState]) {
        self.fingerprint = fingerprint
        self.instanceStart = instanceStart
        self.notifiedAt = notifiedAt
        self.slaBreached = slaBreached
        self.escalations = escalations
    }
}

/// Binary form (`0x11`, told apart from an alert record's `0x01`): instance start (Float64 LE),
/// flags (1: notified), the notified time when flagged, breaches (string), then the escalations
/// (count; each policy, instance start, step, due time).
public enum LifecycleChangelogCodec {
    public static let version: UInt8 = 0x11

    public static func key(_ fp: Fingerprint) -> Data { Data("\(fp.description)/lifecycle".utf8) }

    public static func encode(_ r: LifecycleChangelogRecord) -> Data {
        var out = [UInt8]()
        out.append(version)
        AlertCodec.putString(r.fingerprint.description, &out)
        putDate(r.instanceStart, &out)
        out.append(r.notifiedAt == nil ? 0 : 1)
        if let n = r.notifiedAt { putDate(n, &out) }
        AlertCodec.putString(r.slaBreached, &out)
        AlertCodec.putLength(r.escalations.count, &out)
        for e in r.escalations {
            AlertCodec.putString(e.policy, &out)
            putDate(e.instanceStart, &out)
            AlertCodec.putLength(max(0, e.step), &out)
            putDate(e.dueAt, &out)
        }
        return Data(out)
    }

    /// Reads a record; a truncated or unknown one throws (never traps).
    public static func decode(_ data: Data) throws -> LifecycleChangelogRecord {
        do {
            return try data.withUnsafeBytes { raw throws(AlertCodec.CodecError) -> LifecycleChangelogRecord in
                var r = AlertCodec.Reader(bytes: raw)
                guard try r.byte() == version else { throw AlertCodec.CodecError("unknown lifecycle record version") }
                guard let fp = Fingerprint(hex: try r.string()) else { throw AlertCodec.CodecError("fingerprint") }
                let start = try r.date()
                let notified = try r.byte() & 1 != 0 ? try r.date() : nil
                let breached = try r.string()
                let n = try r.count(atLeastBytesEach: 18)
                var escalations: [EscalationState] = []
                for _ in 0..<n {
                    let policy = try r.string()
                    let instance = try r.date()
                    let step = Int(try r.varint() & 0xFFFF_FFFF)
                    escalations.append(EscalationState(fingerprint: fp, policy: policy, instanceStart: instance, step: step, dueAt: try r.date()))
                }
                guard r.atEnd else { throw AlertCodec.CodecError("bytes after the record") }
                return LifecycleChangelogRecord(fingerprint: fp, instanceStart: start, notifiedAt: notified, slaBreached: breached, escalations: escalations)
            }
        } catch let error as AlertCodec.CodecError {
            throw AlertChangelogCodec.ChangelogError("lifecycle: \(error.detail)")
        }
    }

    private static func putDate(_ d: Date, _ out: inout [UInt8]) {
        withUnsafeBytes(of: d.timeIntervalSince1970.bitPattern.littleEndian) { out.append(contentsOf: $0) }
    }
}

/// The lifecycle fields' way to the changelog. Their writers (the first notification in
/// `AlertHistory`, an SLA breach, `EscalationStore`) mark the alert in `lifecycle_pending` in
/// their own transaction; the state stage takes the marked alerts' fields, produces them with
/// its next hand-off, and clears the marks it produced — a mark made again meanwhile (its
/// `seq` moved) stays for the next one. A new owner restores the records after the alert
/// records.
public final class LifecycleChangelog: Sendable {
    private let database: StateDatabase

    public init(database: StateDatabase) { self.database = database }

    static func createTable(_ db: Database) throws {
        try db.execute(sql: "CREATE TABLE lifecycle_pending (fp TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID")
    }

    /// Marks `fp`'s lifecycle fields changed, inside the caller's transaction.
    static func markPending(_ fp: Fingerprint, in db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO lifecycle_pending (fp, seq) VALUES (?, 0) ON CONFLICT(fp) DO UPDATE SET seq = seq + 1
            """
        ).execute(arguments: [fp.description])
    }

    /// Whether some alert's fields wait for the changelog.
    public func waiting() throws -> Bool {
        try database.pool.read { db in try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM lifecycle_pending)") ?? false }
    }

    /// The marked alerts' fields as they are now, and the marks they answer (for `written`).
    /// A marked alert the store no longer holds has no record; its mark is answered too.
    public func take(limit: Int = 10_000) throws -> (records: [LifecycleChangelogRecord], marks: [Fingerprint: Int64]) {
        try database.pool.read { db in
            var marks: [Fingerprint: Int64] = [:]
            var records: [LifecycleChangelogRecord] = []
            let rows = try Row.fetchAll(db, sql: """
                SELECT p.fp, p.seq, a.first_seen_at, a.notified_at, a.sla_breached
                FROM (SELECT fp, seq FROM lifecycle_pending ORDER BY fp LIMIT ?) p LEFT JOIN alert a ON a.fingerprint = p.fp
                """, arguments: [limit])
            // The same marks: one read transaction, the same order and limit.
            let escalations = try EscalationStore.rows(db, ofMarked: limit)
            for row in rows {
                guard let fp = Fingerprint(hex: row[0]) else { continue }
                marks[fp] = row[1]
                guard let start = row[2] as Double? else { continue }
                let notified = (row[3] as Double?).flatMap { $0 >= start ? Date(timeIntervalSince1970: $0) : nil }
                records.append(LifecycleChangelogRecord(
                    fingerprint: fp, instanceStart: Date(timeIntervalSince1970: start), notifiedAt: notified,
                    slaBreached: row[4] ?? "", escalations: escalations[fp] ?? []))
            }
            return (records, marks)
        }
    }

    /// Clears the marks `take` returned, except those made again since.
    public func written(_ marks: [Fingerprint: Int64]) throws {
        guard !marks.isEmpty else { return }
        try database.pool.write { db in
            let delete = try db.cachedStatement(sql: "DELETE FROM lifecycle_pending WHERE fp = ? AND seq = ?")
            for (fp, seq) in marks { try delete.execute(arguments: [fp.description, seq]) }
        }
    }

    private let io = OffPool("klaxon.lifecycle.restore")

    /// `restore` off the cooperative pool.
    @discardableResult
    public func restoreOffPool(_ records: [LifecycleChangelogRecord]) async throws -> Int {
        try await io.run { try self.restore(records) }
    }

    /// Takes records into the store, each alert's last one winning: its notified time and
    /// breaches where the alert row holds the same instance, and its escalations whole. Alerts
    /// with a mark of their own keep their fields (a local change not produced yet is newer).
    /// Run after the alert records of the same restore, so the rows exist.
    /// - Returns: how many alerts took a record.
    @discardableResult
    public func restore(_ records: [LifecycleChangelogRecord]) throws -> Int {
        var last: [Fingerprint: LifecycleChangelogRecord] = [:]
        for r in records { last[r.fingerprint] = r }
        guard !last.isEmpty else { return 0 }
        return try database.pool.write { db in
            let marked = Set(try String.fetchAll(db, sql: "SELECT fp FROM lifecycle_pending").compactMap(Fingerprint.init(hex:)))
            let fields = try db.cachedStatement(sql: """
                UPDATE alert SET notified_at = ?, sla_breached = ? WHERE fingerprint = ? AND first_seen_at = ?
                """)
            var taken = 0
            for (fp, r) in last where !marked.contains(fp) {
                try fields.execute(arguments: [
                    r.notifiedAt?.timeIntervalSince1970, r.slaBreached, fp.description, r.instanceStart.timeIntervalSince1970,
                ])
                try EscalationStore.replace(db, fp, with: r.escalations)
                taken += 1
            }
            return taken
        }
    }
}
