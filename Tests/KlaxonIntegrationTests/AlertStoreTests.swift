import Foundation
import GRDB
import KlaxonCore
@testable import KlaxonStore
import Testing

/// The alert store over a real SQLite file: dedup state, the touch log and its compaction,
/// and what a fresh process reads back.
@Suite struct AlertStoreTests {
    @Test func fullSynchronousSyncsEveryConnectionAndNormalIsTheDefault() throws {
        func level(_ sync: StateSynchronous?) throws -> (Int, Int) {
            let path = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("klaxon-sync-\(UUID().uuidString.prefix(8))/s.db").path
            let db = try sync.map { try StateDatabase(path: path, synchronous: $0) } ?? StateDatabase(path: path)
            let write = try db.pool.write { try Int.fetchOne($0, sql: "PRAGMA synchronous") ?? -1 }
            let read = try db.pool.read { try Int.fetchOne($0, sql: "PRAGMA synchronous") ?? -1 }
            return (write, read)
        }
        #expect(try level(nil) == (1, 1), "NORMAL")
        // The writer keeps the large page cache; readers a small one each.
        let path = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("klaxon-cache-\(UUID().uuidString.prefix(8))/s.db").path
        let db = try StateDatabase(path: path)
        #expect(try db.pool.write { try Int.fetchOne($0, sql: "PRAGMA cache_size") } == -65536)
        #expect(try db.pool.read { try Int.fetchOne($0, sql: "PRAGMA cache_size") } == -8192)
        let full = try level(.full)
        #expect(full == (2, 2), "FULL on the writer and the readers: \(full)")
    }

    func alert(_ i: Int, source: String = "trivy") -> Alert {
        let labels = ["alertname": "CVE-\(i)", "severity": "high", "source": source, "image": "img:\(i % 3)"]
        return Alert(labels: labels, severity: .high, fingerprint: Fingerprint(labels: ["alertname": "CVE-\(i)"]), scope: "img:\(i % 3)")
    }

    func freshStore() throws -> (AlertStore, String) {
        let path = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("klaxon-store-\(UUID().uuidString.prefix(8))/s.db").path
        return (try AlertStore(database: StateDatabase(path: path)), path)
    }

    @Test func countersSurviveCompactionAndAReopenOfTheFile() throws {
        let (store, path) = try freshStore()
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        try store.apply(BatchWrite(reports: (0..<10).map { AlertReport(alert: alert($0), owner: "s/0", receivedAt: t0) }))
        // Enough duplicates to pass the compaction threshold at least once, then some more.
        let rounds = AlertStore.compactionThreshold / 10 / 100 + 3
        var at = t0
        for _ in 0..<rounds {
            at = at.addingTimeInterval(1)
            let reports = (0..<1000).map { AlertReport(alert: alert($0 % 10, source: ($0 / 10) % 2 == 0 ? "trivy" : "inspector2"), owner: "s/0", receivedAt: at) }
            let result = try store.apply(BatchWrite(reports: reports))
            #expect(result.transitions.allSatisfy { $0 == .duplicate })
        }
        let expected = 1 + rounds * 100
        let reopened = try AlertStore(database: StateDatabase(path: path))
        for i in 0..<10 {
            let s = try #require(try reopened.state(of: alert(i).fingerprint))
            #expect(s.occurrences == expected)
            #expect(s.lastSeenAt == at)
            #expect(s.firstSeenAt == t0)
            #expect(reopened.sources(of: alert(i).fingerprint) == ["trivy", "inspector2"])
        }
        #expect(reopened.count == 10)
    }

    @Test func aReopenAfterResolutionIsNotOverwrittenByOlderTouches() throws {
        let (store, path) = try freshStore()
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let a = alert(1)
        try store.apply(BatchWrite(reports: [AlertReport(alert: a, owner: "s/0", receivedAt: t0)]))
        try store.apply(BatchWrite(reports: [AlertReport(alert: a, owner: "s/0", receivedAt: t0.addingTimeInterval(1))]))
        // A complete scan of its scope without it resolves it; the next report reopens it.
        let resolved = try store.apply(BatchWrite(scans: [ScanReport(scopes: ["img:1"], present: [], at: t0.addingTimeInterval(2))]))
        #expect(resolved.changes.map(\.status) == [.resolved])
        let reopened = try store.apply(BatchWrite(reports: [AlertReport(alert: a, owner: "s/0", receivedAt: t0.addingTimeInterval(3))]))
        #expect(reopened.transitions == [.reopened])
        let s = try #require(try AlertStore(database: StateDatabase(path: path)).state(of: a.fingerprint))
        #expect(s.status == .firing && s.occurrences == 1 && s.regressions == 1)
        #expect(s.firstSeenAt == t0.addingTimeInterval(3))
    }
}
