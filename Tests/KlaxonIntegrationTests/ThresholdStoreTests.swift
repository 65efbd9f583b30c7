import Foundation
import GRDB
import KlaxonCore
@testable import KlaxonStore
import Synchronization
import Testing

/// Threshold counts in the state file (issue #14): written with the batch whose reports changed
/// them, read back at the next start, and carried by the state changelog.
@Suite struct ThresholdStoreTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func alert() -> Alert {
        let labels = ["alertname": "Shell", "source": "falco", "severity": "high", "host": "n1"]
        return Alert(labels: labels, severity: .high, fingerprint: Fingerprint(labels: labels), scope: "n1")
    }

    func rules() throws -> [ThresholdRule] {
        [ThresholdRule(name: "shells", matchers: try Matcher.parseList(#"alertname="Shell""#), count: 3, window: .seconds(3600))]
    }

    /// A store with a tracker deciding as the state stage's noise gate does (thresholds only).
    final class Gate: Sendable {
        let tracker: Mutex<ThresholdTracker>
        init(_ rules: [ThresholdRule], stored: [ThresholdKeySnapshot]) {
            var t = ThresholdTracker(rules: rules)
            t.tracksChanges = true
            t.restore(stored)
            tracker = Mutex(t)
        }

        func decide(_ alert: Alert, _ transition: AlertTransition, _ admitted: Bool, _ now: Date) -> NoiseDecision {
            tracker.withLock { t in
                guard let outcome = t.evaluate(alert, at: now, wantsNotification: transition.notifies) else {
                    return .notify(transition: transition, threshold: nil)
                }
                return outcome.decision.notifies ? .notify(transition: transition, threshold: outcome) : .suppressed(.threshold, .threshold(outcome))
            }
        }

        var changes: ThresholdChanges {
            ThresholdChanges(take: { self.tracker.withLock { $0.takeChanges() } }, giveBack: { c in self.tracker.withLock { $0.markChanged(c) } })
        }
    }

    @Test func aCountSurvivesARestartOnTheSameFile() throws {
        let path = NSTemporaryDirectory() + "klaxon-thresholds-\(UUID().uuidString.prefix(8)).db"
        defer { for s in ["", "-wal", "-shm", ".migrate-lock"] { try? FileManager.default.removeItem(atPath: path + s) } }
        let a = alert()
        do {
            let store = try AlertStore(database: try StateDatabase(path: path))
            let gate = Gate(try rules(), stored: try store.thresholds.load())
            for i in 0..<2 {
                let r = try store.apply(
                    BatchWrite(reports: [AlertReport(alert: a, owner: "s/0", receivedAt: t0.addingTimeInterval(Double(i)))]),
                    decide: gate.decide, thresholds: gate.changes)
                #expect(!r.decisions[0].notifies)
            }
            let queued = store.thresholds.take()
            #expect(queued.count == 1 && queued[0].state?.slots.map(\.count).reduce(0, +) == 2, "\(queued)")
        }
        // The next start reads the count back: the third occurrence is the third.
        let store = try AlertStore(database: try StateDatabase(path: path))
        let loaded = try store.thresholds.load()
        #expect(loaded.count == 1)
        let gate = Gate(try rules(), stored: loaded)
        let r = try store.apply(
            BatchWrite(reports: [AlertReport(alert: a, owner: "s/0", receivedAt: t0.addingTimeInterval(2))]), decide: gate.decide, thresholds: gate.changes)
        #expect(r.decisions[0].notifies, "\(r.decisions)")
        let fresh = Gate(try rules(), stored: [])
        #expect(!fresh.decide(a, .duplicate, false, t0.addingTimeInterval(2)).notifies, "without the stored count it would be the first")
        // A start whose config no longer has the rule drops its counts.
        #expect(try store.thresholds.forgetRules(otherThan: ["name:other|fingerprint"]) == 1)
        #expect(try store.thresholds.load().isEmpty)
    }

    @Test func recordsRoundTripAndDamagedOnesAreRefused() throws {
        let state = ThresholdTracker.KeyState(
            slots: [.init(start: 1_800_000_000_000, count: 2), .init(start: 1_800_000_060_000, count: 70_000)], lastEvent: 1_800_000_060_000,
            burstNotified: 1_800_000_000_500, lastNotified: nil, pending: true)
        let records = [
            ThresholdKeySnapshot(rule: "name:shells|fingerprint", hash: .max, state: state),
            ThresholdKeySnapshot(rule: "rule:thresholds[1]{host=\"a\"}|by:host", hash: 7, state: ThresholdTracker.KeyState()),
            ThresholdKeySnapshot(rule: "name:shells|fingerprint", hash: 1, state: nil),
        ]
        for r in records {
            let data = ThresholdChangelogCodec.encode(r)
            #expect(try ThresholdChangelogCodec.decode(data) == r)
            for n in 0..<data.count {
                #expect(throws: (any Error).self) { try ThresholdChangelogCodec.decode(data.prefix(n)) }
            }
            #expect(throws: (any Error).self) { try ThresholdChangelogCodec.decode(data + Data([0])) }
            #expect(throws: (any Error).self) { try AlertChangelogCodec.decode(data) }
            #expect(throws: (any Error).self) { try LifecycleChangelogCodec.decode(data) }
        }
        #expect(try ThresholdStateCodec.decode(ThresholdStateCodec.encode(state)) == state)
        #expect(ThresholdChangelogCodec.key(records[0]) != ThresholdChangelogCodec.key(records[2]))
        #expect(ThresholdChangelogCodec.key(records[0]) == ThresholdChangelogCodec.key(ThresholdKeySnapshot(rule: records[0].rule, hash: .max, state: nil)))
    }

    @Test func aRestoreWritesKeysExceptThoseWithALocalChangeNotProducedYet() throws {
        let database = try StateDatabase.temporary("threshold-restore")
        let store = try AlertStore(database: database)
        let mine = ThresholdKeySnapshot(rule: "name:shells|fingerprint", hash: 1, state: .init(lastEvent: 5))
        try database.pool.write { db in try ThresholdStore.write([mine], in: db) }
        store.thresholds.queue([mine])
        let theirs = [
            ThresholdKeySnapshot(rule: mine.rule, hash: 1, state: .init(lastEvent: 1)),
            ThresholdKeySnapshot(rule: mine.rule, hash: 2, state: .init(lastEvent: 1)),
            ThresholdKeySnapshot(rule: mine.rule, hash: 2, state: .init(lastEvent: 2)),
            ThresholdKeySnapshot(rule: mine.rule, hash: 3, state: .init(lastEvent: 3)),
            ThresholdKeySnapshot(rule: mine.rule, hash: 3, state: nil),
        ]
        let written = try store.thresholds.restore(theirs)
        #expect(Set(written.map(\.hash)) == [2, 3])
        let loaded = Dictionary(uniqueKeysWithValues: try store.thresholds.load().map { ($0.hash, $0.state?.lastEvent) })
        #expect(loaded == [1: 5, 2: 2], "the local change stays, each key's last record wins, a dropped key has no row")
        // Once produced, the changelog's record wins again.
        _ = store.thresholds.take()
        #expect(try store.thresholds.restore(theirs).count == 3)
    }

    /// A file from before shares (v22): its one row per key counted everything this instance
    /// saw. v23 keeps it; the first load names its share (the partition its record went to)
    /// and stores it under that share, so a later load reads it as it is.
    @Test func aCountFromBeforeSharesBecomesTheShareOfItsHashsPartition() throws {
        let state = ThresholdTracker.KeyState(slots: [.init(start: 1_000, count: 2)], lastEvent: 1_000, pending: true)
        let file = try OlderStateFile(upTo: "v22: the notification log's changelog") { db in
            try db.execute(
                sql: "INSERT INTO threshold_key (rule, hash, state) VALUES (?, ?, ?)",
                arguments: ["name:shells|fingerprint", Int64(bitPattern: 0xFFFF_0000_0000_0007), ThresholdStateCodec.encode(state)])
        }
        defer { file.remove() }
        let path = file.path
        let store = ThresholdStore(database: try StateDatabase(path: path))
        let loaded = try store.load { hash in Int32(hash % 12) }
        #expect(loaded == [ThresholdKeySnapshot(rule: "name:shells|fingerprint", hash: 0xFFFF_0000_0000_0007, share: 7, state: state)])
        #expect(try store.load { _ in 99 } == loaded, "stored under its share: the second load has nothing to name")
        // Shares of one key are rows of their own.
        try StateDatabase(path: path).pool.write { db in
            try ThresholdStore.write([ThresholdKeySnapshot(rule: "name:shells|fingerprint", hash: 0xFFFF_0000_0000_0007, share: 3, state: state)], in: db)
        }
        #expect(Set(try store.load().map(\.share)) == [3, 7])
    }
}
