import Foundation
import GRDB
import KlaxonCore

/// A notification-log entry as the state changelog carries it, on its group's partition: what
/// a group last notified to a receiver, so the instance that takes the partition over knows
/// which of the group's alerts were notified firing (and sends their resolution) instead of
/// knowing nothing. (Before groups followed their key's partition, an entry was split into a
/// share per partition of its alerts; such shares still merge.)
public struct NotificationLogRecord: Sendable, Hashable {
    public var logKey: String
    public var entry: GroupScheduler.LogEntry

    public init(logKey: String, entry: GroupScheduler.LogEntry) {
        self.logKey = logKey
        self.entry = entry
    }

    /// Two shares of one group's entry (two partitions, or a local entry and a restored one):
    /// every alert either names, as the later one says where both do; the later time.
    public static func merge(_ a: GroupScheduler.LogEntry, _ b: GroupScheduler.LogEntry) -> GroupScheduler.LogEntry {
        let (old, new) = a.at <= b.at ? (a, b) : (b, a)
        return GroupScheduler.LogEntry(
            firing: old.firing.subtracting(new.resolved).union(new.firing),
            resolved: old.resolved.subtracting(new.firing).union(new.resolved), at: new.at)
    }
}

/// `NotificationLogRecord` on the wire: first byte `0x14`, the log key, then the entry in its
/// stored form (`LogEntryCodec`). Keyed `nflog/<log key>`; compaction keeps each key's last
/// entry per partition.
public enum NotificationLogChangelogCodec {
    public static let version: UInt8 = 0x14

    public static func key(_ logKey: String) -> Data { Data("nflog/\(logKey)".utf8) }

    public static func encode(_ r: NotificationLogRecord) -> Data {
        var out: [UInt8] = [version]
        AlertCodec.putString(r.logKey, &out)
        out += LogEntryCodec.encode(r.entry)
        return Data(out)
    }

    /// The log key, and where the entry starts.
    private struct Head {
        var key: String
        var rest: Int
    }

    /// Reads a record; a truncated or unknown one throws (never traps).
    public static func decode(_ data: Data) throws -> NotificationLogRecord {
        let head: Head
        do {
            head = try data.withUnsafeBytes { raw throws(AlertCodec.CodecError) -> Head in
                var r = AlertCodec.Reader(bytes: raw)
                guard try r.byte() == version else { throw AlertCodec.CodecError("unknown notification log record version") }
                let key = try r.string()
                guard !r.atEnd, raw[r.at] == 1 else { throw AlertCodec.CodecError("entry") }
                return Head(key: key, rest: r.at)
            }
        } catch let error as AlertCodec.CodecError {
            throw AlertChangelogCodec.ChangelogError("notification log: \(error.detail)")
        }
        do {
            return NotificationLogRecord(logKey: head.key, entry: try LogEntryCodec.decode(Data(data.dropFirst(head.rest))))
        } catch {
            throw AlertChangelogCodec.ChangelogError("notification log: \(error)")
        }
    }
}

/// The notification log's way to the changelog. A trigger on `nflog` marks every entry a
/// flush writes (`nflog_pending`); the state stage takes the marked entries, produces each on
/// its group's partition with its next hand-off and clears the marks it produced — a mark made
/// again meanwhile (its `seq` moved) stays for the next one. A restore merges the shares it
/// reads into `nflog` and hands the merged entries to grouping.
public final class NotificationLogChangelog: Sendable {
    private let database: StateDatabase

    public init(database: StateDatabase) { self.database = database }

    static func createTable(_ db: Database) throws {
        try db.execute(sql: """
            DELETE FROM nflog WHERE typeof(log_key) = 'text';
            CREATE TABLE nflog_pending (log_key BLOB PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
            CREATE TRIGGER nflog_changelog AFTER INSERT ON nflog
            BEGIN
                INSERT OR REPLACE INTO nflog_pending (log_key, seq)
                VALUES (NEW.log_key, COALESCE((SELECT seq FROM nflog_pending WHERE log_key = NEW.log_key), -1) + 1);
            END;
            """)
    }

    /// Whether some entry waits for the changelog.
    public func waiting() throws -> Bool {
        try database.pool.read { db in try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM nflog_pending)") ?? false }
    }

    /// The marked entries as they are now, and the marks they answer (for `written`).
    public func take(limit: Int = 10_000) throws -> (records: [NotificationLogRecord], marks: [String: Int64]) {
        try database.pool.read { db in
            var marks: [String: Int64] = [:]
            var records: [NotificationLogRecord] = []
            for row in try Row.fetchAll(db, sql: """
                SELECT p.log_key, p.seq, n.entry FROM (SELECT log_key, seq FROM nflog_pending ORDER BY log_key LIMIT ?) p
                LEFT JOIN nflog n ON n.log_key = p.log_key
                """, arguments: [limit])
            {
                let key = LogEntryCodec.key(row[0])
                marks[key] = row[1]
                guard let data = row[2] as Data?, let entry = try? LogEntryCodec.decode(data) else { continue }
                records.append(NotificationLogRecord(logKey: key, entry: entry))
            }
            return (records, marks)
        }
    }

    /// Clears the marks `take` returned, except those made again since.
    public func written(_ marks: [String: Int64]) throws {
        guard !marks.isEmpty else { return }
        try database.pool.write { db in
            let delete = try db.cachedStatement(sql: "DELETE FROM nflog_pending WHERE log_key = ? AND seq = ?")
            for (key, seq) in marks { try delete.execute(arguments: [LogEntryCodec.storedKey(key), seq]) }
        }
    }

    private let io = OffPool("klaxon.nflog.restore")

    /// `restore` off the cooperative pool.
    public func restoreOffPool(_ records: [NotificationLogRecord]) async throws -> [String: GroupScheduler.LogEntry] {
        try await io.run { try self.restore(records) }
    }

    /// Merges the shares read (every share of a key, from each partition restored) with the
    /// local entry of the same key, writes the merged entries and returns them for grouping.
    public func restore(_ records: [NotificationLogRecord]) throws -> [String: GroupScheduler.LogEntry] {
        var merged: [String: GroupScheduler.LogEntry] = [:]
        for r in records { merged[r.logKey] = merged[r.logKey].map { NotificationLogRecord.merge($0, r.entry) } ?? r.entry }
        guard !merged.isEmpty else { return [:] }
        return try database.pool.write { db in
            let read = try db.cachedStatement(sql: "SELECT entry FROM nflog WHERE log_key = ?")
            let write = try db.cachedStatement(sql: "INSERT OR REPLACE INTO nflog (log_key, entry, at) VALUES (?, ?, ?)")
            for (key, entry) in merged {
                var e = entry
                if let data = try Data.fetchOne(read, arguments: [LogEntryCodec.storedKey(key)]), let local = try? LogEntryCodec.decode(data) {
                    e = NotificationLogRecord.merge(local, entry)
                }
                merged[key] = e
                try write.execute(arguments: [LogEntryCodec.storedKey(key), LogEntryCodec.encode(e), e.at.timeIntervalSince1970])
            }
            return merged
        }
    }
}
