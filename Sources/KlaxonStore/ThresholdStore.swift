import Foundation
import GRDB
import KlaxonCore
import Synchronization

/// The owner of `threshold_key`: each threshold key's counts and flags, so a restart does not
/// start every count over, and the changes the state changelog has not carried yet, so a
/// partition that moves takes its counts along (docs/scaling.md). The tracker decides in
/// memory while a batch is planned; the batch's transaction writes the keys it changed
/// (`write`), and the state stage produces them with its next hand-off (`take`).
public final class ThresholdStore: Sendable {
    private let database: StateDatabase
    /// Written and not produced yet, by rule and hash (a newer change replaces an older one).
    private let unproduced = Mutex<[Name: ThresholdKeySnapshot]>([:])

    struct Name: Hashable {
        var rule: String
        var hash: UInt64
        var share: Int32

        init(_ s: ThresholdKeySnapshot) { (rule, hash, share) = (s.rule, s.hash, s.share) }
    }

    public init(database: StateDatabase) { self.database = database }

    static func createTable(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE threshold_key (
                rule TEXT NOT NULL, hash INTEGER NOT NULL, state BLOB NOT NULL, PRIMARY KEY (rule, hash)) WITHOUT ROWID
            """)
    }

    /// v23: a key's state per share (the partition whose alerts it counts), so one instance
    /// can hold several shares of a key. Rows from before get share -1 until `load` names it.
    static func addShares(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE threshold_share (
                rule TEXT NOT NULL, hash INTEGER NOT NULL, share INTEGER NOT NULL, state BLOB NOT NULL,
                PRIMARY KEY (rule, hash, share)) WITHOUT ROWID;
            INSERT INTO threshold_share (rule, hash, share, state) SELECT rule, hash, -1, state FROM threshold_key;
            DROP TABLE threshold_key;
            ALTER TABLE threshold_share RENAME TO threshold_key;
            """)
    }

    /// Writes changed keys inside the caller's transaction; a dropped key's row goes.
    static func write(_ changes: [ThresholdKeySnapshot], in db: Database) throws {
        guard !changes.isEmpty else { return }
        let upsert = try db.cachedStatement(sql: "INSERT OR REPLACE INTO threshold_key (rule, hash, share, state) VALUES (?, ?, ?, ?)")
        let delete = try db.cachedStatement(sql: "DELETE FROM threshold_key WHERE rule = ? AND hash = ? AND share = ?")
        for c in changes {
            let hash = Int64(bitPattern: c.hash)
            if let state = c.state {
                try upsert.execute(arguments: [c.rule, hash, c.share, ThresholdStateCodec.encode(state)])
            } else {
                try delete.execute(arguments: [c.rule, hash, c.share])
            }
        }
    }

    /// Every stored key (read at start). A row from before shares were kept (v23) counted
    /// every occurrence this instance saw; it becomes the share its record went to then, the
    /// partition of its hash (`legacyShare`), and is stored under it.
    public func load(legacyShare: (UInt64) -> Int32 = { _ in 0 }) throws -> [ThresholdKeySnapshot] {
        try database.pool.write { db in
            var out: [ThresholdKeySnapshot] = []
            var legacy: [ThresholdKeySnapshot] = []
            let rows = try Row.fetchCursor(db, sql: "SELECT rule, hash, share, state FROM threshold_key")
            while let row = try rows.next() {
                // A damaged row is a key that starts over, not a failed start.
                guard let state = try? ThresholdStateCodec.decode(row[3]) else { continue }
                let hash = UInt64(bitPattern: row[1])
                let share: Int32 = row[2]
                let snapshot = ThresholdKeySnapshot(rule: row[0], hash: hash, share: share < 0 ? legacyShare(hash) : share, state: state)
                out.append(snapshot)
                if share < 0 { legacy.append(snapshot) }
            }
            if !legacy.isEmpty {
                try db.execute(sql: "DELETE FROM threshold_key WHERE share < 0")
                try Self.write(legacy, in: db)
            }
            return out
        }
    }

    /// Deletes the stored keys of rules not in `rules` (their `stateKey`s): rules removed from
    /// the config, whose counts the tracker dropped as a reload does.
    /// - Returns: rows deleted.
    @discardableResult
    public func forgetRules(otherThan rules: Set<String>) throws -> Int {
        try database.pool.write { db in
            let stored = try String.fetchAll(db, sql: "SELECT DISTINCT rule FROM threshold_key")
            var deleted = 0
            for rule in stored where !rules.contains(rule) {
                try db.execute(sql: "DELETE FROM threshold_key WHERE rule = ?", arguments: [rule])
                deleted += db.changesCount
            }
            return deleted
        }
    }

    /// Queues changes a committed transaction wrote, for the changelog.
    func queue(_ changes: [ThresholdKeySnapshot]) {
        guard !changes.isEmpty else { return }
        unproduced.withLock { q in for c in changes { q[Name(c)] = c } }
    }

    /// Whether changes wait for the changelog.
    public var waiting: Bool { unproduced.withLock { !$0.isEmpty } }

    /// The changes not produced yet; they count as produced unless `requeue`d.
    public func take() -> [ThresholdKeySnapshot] {
        unproduced.withLock { q in
            defer { q.removeAll(keepingCapacity: true) }
            return Array(q.values)
        }
    }

    /// Puts taken changes back (their transaction aborted), behind any newer change of the same key.
    public func requeue(_ taken: [ThresholdKeySnapshot]) {
        unproduced.withLock { q in
            for c in taken where q[Name(c)] == nil { q[Name(c)] = c }
        }
    }

    private let io = OffPool("klaxon.thresholds.restore")

    /// `restore` off the cooperative pool.
    public func restoreOffPool(_ snapshots: [ThresholdKeySnapshot]) async throws -> [ThresholdKeySnapshot] {
        try await io.run { try self.restore(snapshots) }
    }

    /// Writes restored keys, each key's last snapshot winning, except keys with a change of
    /// this store not produced yet (it is newer). Returns the snapshots written, for the tracker.
    public func restore(_ snapshots: [ThresholdKeySnapshot]) throws -> [ThresholdKeySnapshot] {
        var last: [Name: ThresholdKeySnapshot] = [:]
        for s in snapshots { last[Name(s)] = s }
        let kept = unproduced.withLock { q in Set(last.keys.filter { q[$0] != nil }) }
        for name in kept { last[name] = nil }
        let taken = Array(last.values)
        guard !taken.isEmpty else { return [] }
        try database.pool.write { db in try Self.write(taken, in: db) }
        return taken
    }
}

/// A threshold key's state in bytes (the `threshold_key` row and the changelog record): slot
/// count, each slot's start (ms, Int64 LE) and count (LEB128), the last event (ms), flags
/// (1: burst notified, 2: last notified, 4: pending), then the flagged times.
public enum ThresholdStateCodec {
    public static func encode(_ s: ThresholdTracker.KeyState) -> Data {
        var out: [UInt8] = []
        put(s, &out)
        return Data(out)
    }

    static func put(_ s: ThresholdTracker.KeyState, _ out: inout [UInt8]) {
        AlertCodec.putLength(s.slots.count, &out)
        for slot in s.slots {
            putInt64(slot.start, &out)
            AlertCodec.putLength(Int(max(0, slot.count)), &out)
        }
        putInt64(s.lastEvent, &out)
        out.append((s.burstNotified == nil ? 0 : 1) | (s.lastNotified == nil ? 0 : 2) | (s.pending ? 4 : 0))
        if let b = s.burstNotified { putInt64(b, &out) }
        if let l = s.lastNotified { putInt64(l, &out) }
    }

    public static func decode(_ data: Data) throws -> ThresholdTracker.KeyState {
        do {
            return try data.withUnsafeBytes { raw throws(AlertCodec.CodecError) -> ThresholdTracker.KeyState in
                var r = AlertCodec.Reader(bytes: raw)
                let s = try read(&r)
                guard r.atEnd else { throw AlertCodec.CodecError("bytes after the state") }
                return s
            }
        } catch let error as AlertCodec.CodecError {
            throw AlertChangelogCodec.ChangelogError("threshold state: \(error.detail)")
        }
    }

    static func read(_ r: inout AlertCodec.Reader) throws(AlertCodec.CodecError) -> ThresholdTracker.KeyState {
        let n = try r.count(atLeastBytesEach: 9)
        var slots: [ThresholdTracker.Slot] = []
        slots.reserveCapacity(n)
        for _ in 0..<n {
            let start = Int64(bitPattern: try r.uint64())
            let count = try r.varint()
            guard count <= UInt64(Int32.max) else { throw AlertCodec.CodecError("slot count") }
            slots.append(ThresholdTracker.Slot(start: start, count: Int32(count)))
        }
        let last = Int64(bitPattern: try r.uint64())
        let flags = try r.byte()
        guard flags & ~7 == 0 else { throw AlertCodec.CodecError("unknown flags") }
        let burst = flags & 1 != 0 ? Int64(bitPattern: try r.uint64()) : nil
        let notified = flags & 2 != 0 ? Int64(bitPattern: try r.uint64()) : nil
        return ThresholdTracker.KeyState(slots: slots, lastEvent: last, burstNotified: burst, lastNotified: notified, pending: flags & 4 != 0)
    }

    static func putInt64(_ v: Int64, _ out: inout [UInt8]) {
        withUnsafeBytes(of: UInt64(bitPattern: v).littleEndian) { out.append(contentsOf: $0) }
    }
}

/// A threshold key's record on the state changelog (`0x12`, beside alert records `0x01` and
/// lifecycle records `0x11`): rule (string), hash (UInt64 LE), 1 when a state follows (0: the
/// key was dropped), the state. Keyed `threshold/<rule's FNV-1a>/<hash>` on the partition of
/// its share (for keys counted per fingerprint, the alert's own partition); the record does
/// not name the share, the partition it is read from does.
public enum ThresholdChangelogCodec {
    public static let version: UInt8 = 0x12

    public static func key(_ s: ThresholdKeySnapshot) -> Data {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.rule.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return Data("threshold/\(String(h, radix: 16))/\(String(s.hash, radix: 16))".utf8)
    }

    public static func encode(_ s: ThresholdKeySnapshot) -> Data {
        var out: [UInt8] = [version]
        AlertCodec.putString(s.rule, &out)
        ThresholdStateCodec.putInt64(Int64(bitPattern: s.hash), &out)
        out.append(s.state == nil ? 0 : 1)
        if let state = s.state { ThresholdStateCodec.put(state, &out) }
        return Data(out)
    }

    /// Reads a record as its partition's share (the record does not name it).
    public static func decode(_ data: Data, partition: Int32) throws -> ThresholdKeySnapshot {
        var share = try decode(data)
        share.share = partition
        return share
    }

    /// Reads a record; a truncated or unknown one throws (never traps).
    public static func decode(_ data: Data) throws -> ThresholdKeySnapshot {
        do {
            return try data.withUnsafeBytes { raw throws(AlertCodec.CodecError) -> ThresholdKeySnapshot in
                var r = AlertCodec.Reader(bytes: raw)
                guard try r.byte() == version else { throw AlertCodec.CodecError("unknown threshold record version") }
                let rule = try r.string()
                let hash = try r.uint64()
                let present = try r.byte()
                guard present <= 1 else { throw AlertCodec.CodecError("presence flag") }
                let state = present == 1 ? try ThresholdStateCodec.read(&r) : nil
                guard r.atEnd else { throw AlertCodec.CodecError("bytes after the record") }
                return ThresholdKeySnapshot(rule: rule, hash: hash, state: state)
            }
        } catch let error as AlertCodec.CodecError {
            throw AlertChangelogCodec.ChangelogError("threshold: \(error.detail)")
        }
    }
}
