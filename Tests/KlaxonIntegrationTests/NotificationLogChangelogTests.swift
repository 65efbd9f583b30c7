import Foundation
import GRDB
import KlaxonCore
@testable import KlaxonStore
import Testing

/// The notification log's changelog at the store (issue #14): each entry a flush writes is
/// marked, carried whole on its group's partition, and merged back on the instance that
/// restores that partition — so it knows which of the group's alerts were notified firing.
@Suite struct NotificationLogChangelogTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000.5)
    let fps = (1...6).map { Fingerprint(value: UInt64($0)) }

    func entry(firing: [Int], resolved: [Int] = [], at: TimeInterval = 0) -> GroupScheduler.LogEntry {
        GroupScheduler.LogEntry(firing: Set(firing.map { fps[$0] }), resolved: Set(resolved.map { fps[$0] }), at: t0.addingTimeInterval(at))
    }

    @Test func recordsRoundTripAndDamagedOnesAreRefused() throws {
        for r in [NotificationLogRecord(logKey: "{}:{a=\"b\"}/pager", entry: entry(firing: [0, 1], resolved: [2])),
                  NotificationLogRecord(logKey: "", entry: entry(firing: []))] {
            let data = NotificationLogChangelogCodec.encode(r)
            #expect(try NotificationLogChangelogCodec.decode(data) == r)
            for n in 0..<data.count {
                #expect(throws: (any Error).self) { try NotificationLogChangelogCodec.decode(data.prefix(n)) }
            }
        }
        let versions = [NotificationLogChangelogCodec.version, OutboxChangelogCodec.version, LifecycleChangelogCodec.version,
                        ThresholdChangelogCodec.version, AlertChangelogCodec.version]
        #expect(Set(versions).count == versions.count)
    }

    @Test func entriesOfOneGroupMerge() {
        let e = entry(firing: [0, 1, 2], resolved: [3], at: 5)
        #expect(NotificationLogRecord.merge(entry(firing: [0, 2], at: 5), entry(firing: [1], resolved: [3], at: 5)) == e)
        // Where both name an alert, the later entry says what it is.
        #expect(NotificationLogRecord.merge(entry(firing: [0, 4], at: 1), entry(firing: [5], resolved: [0], at: 9))
            == entry(firing: [4, 5], resolved: [0], at: 9))
    }

    @Test func flushedEntriesAreMarkedTakenOnceAndMergedOnRestore() throws {
        let db = try StateDatabase.temporary("nflog-changelog")
        let store = try AlertStore(database: db)
        let log = NotificationLogChangelog(database: db)
        try store.recordFlush([], log: ["g1\u{0}pager": entry(firing: [0, 1]), "g2\u{0}pager": entry(firing: [2])], at: t0)
        #expect(try log.waiting())
        let (records, marks) = try log.take()
        #expect(Set(records) == [NotificationLogRecord(logKey: "g1\u{0}pager", entry: entry(firing: [0, 1])),
                                 NotificationLogRecord(logKey: "g2\u{0}pager", entry: entry(firing: [2]))])
        // Written again before the hand-off committed: that mark stays for the next one.
        try store.recordFlush([], log: ["g2\u{0}pager": entry(firing: [2, 3], at: 1)], at: t0)
        try log.written(marks)
        #expect(try log.take().records == [NotificationLogRecord(logKey: "g2\u{0}pager", entry: entry(firing: [2, 3], at: 1))])

        // Another instance's shares of g1 (two partitions) and a newer word on g2's alert 2.
        let merged = try log.restore([
            NotificationLogRecord(logKey: "g1\u{0}pager", entry: entry(firing: [4], at: 2)),
            NotificationLogRecord(logKey: "g1\u{0}pager", entry: entry(firing: [5], at: 3)),
            NotificationLogRecord(logKey: "g2\u{0}pager", entry: entry(firing: [], resolved: [2], at: 4)),
        ])
        #expect(merged["g1\u{0}pager"] == entry(firing: [0, 1, 4, 5], at: 3))
        #expect(merged["g2\u{0}pager"] == entry(firing: [3], resolved: [2], at: 4))
        #expect(try store.notificationLog() == merged, "the merged entries are what the store keeps")
    }

    /// A file from before v22: a key bound as text had lost the receiver after its NUL, so the
    /// row matched no group. The upgrade deletes such rows; entries flushed after it keep their
    /// whole key and are marked for the changelog.
    @Test func theUpgradeDeletesCutKeysAndKeepsWholeOnes() throws {
        // As v21's store wrote it: the key bound as a Swift string.
        let file = try OlderStateFile(upTo: "v21: the outbox's changelog") { db in
            try db.execute(
                sql: "INSERT INTO nflog (log_key, entry, at) VALUES (?, ?, ?)",
                arguments: ["g1\u{0}pager", LogEntryCodec.encode(entry(firing: [0])), t0.timeIntervalSince1970])
            let cut = try Row.fetchOne(db, sql: "SELECT typeof(log_key), length(log_key) FROM nflog")
            #expect(cut?[0] == "text" && cut?[1] == 2, "the receiver was lost at the NUL")
        }
        defer { file.remove() }
        let db = try StateDatabase(path: file.path)
        let store = try AlertStore(database: db)
        let log = NotificationLogChangelog(database: db)
        #expect(try store.notificationLog().isEmpty)
        #expect(try !log.waiting(), "nothing carried over to mark")
        try store.recordFlush([], log: ["g1\u{0}pager": entry(firing: [1])], at: t0)
        #expect(try store.notificationLog() == ["g1\u{0}pager": entry(firing: [1])])
        #expect(try log.take().records == [NotificationLogRecord(logKey: "g1\u{0}pager", entry: entry(firing: [1]))])
    }
}
