import Foundation
import GRDB
import KlaxonCore
@testable import KlaxonStore
import Testing

/// The alert state's changelog at the store (issue #14 step 3): every change is queued whole,
/// in the order it happened; another store restored from the queue holds the same states;
/// changes no input message carries survive a crash until they are produced.
@Suite struct AlertChangelogTests {
    func alert(_ i: Int, scope: String? = "img:1") -> Alert {
        let labels = ["alertname": "CVE-\(i)", "severity": "high", "source": "trivy"]
        return Alert(labels: labels, severity: .high, fingerprint: Fingerprint(labels: ["alertname": "CVE-\(i)"]), scope: scope)
    }

    func freshStore() throws -> (AlertStore, String) {
        let path = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("klaxon-changelog-\(UUID().uuidString.prefix(8))/s.db").path
        return (try AlertStore(database: StateDatabase(path: path)), path)
    }

    /// What restoring must reproduce: every field of the state, the sources, and admission.
    func snapshot(_ store: AlertStore) throws -> [String] {
        try store.states().map { s in
            "\(s.alert.fingerprint) \(s.status) \(s.firstSeenAt.timeIntervalSince1970) \(s.lastSeenAt.timeIntervalSince1970) "
                + "\(s.occurrences) \(s.regressions) \(String(describing: s.acknowledgedAt)) \(String(describing: s.resolvedAt)) "
                + "\(s.alert.labels.sorted { $0.key < $1.key }) \(String(describing: s.alert.scope)) \(store.sources(of: s.alert.fingerprint))"
        }.sorted()
    }

    @Test func recordsRoundTripAndDamagedOnesAreRefused() throws {
        let t = Date(timeIntervalSince1970: 1_800_000_000.25)
        let states = [
            AlertState(alert: alert(1), status: .firing, firstSeenAt: t, lastSeenAt: t.addingTimeInterval(5), occurrences: 3),
            AlertState(
                alert: alert(2, scope: nil), status: .acknowledged, firstSeenAt: t, lastSeenAt: t, occurrences: 1, regressions: 2,
                acknowledgedAt: t.addingTimeInterval(60)),
            AlertState(alert: alert(3), status: .resolved, firstSeenAt: t, lastSeenAt: t, occurrences: 7, resolvedAt: t.addingTimeInterval(9)),
        ]
        for (i, s) in states.enumerated() {
            let r = AlertChangelogRecord(
                state: s, owner: "scans/\(i)", sources: i == 1 ? "inspector2,trivy" : "trivy", admitted: i != 2,
                acknowledgedBy: i == 1 ? "ana" : nil)
            let data = AlertChangelogCodec.encode(r)
            #expect(try AlertChangelogCodec.decode(data) == r)
            // Every truncation is refused with a reason, never a trap.
            for n in 0..<data.count {
                #expect(throws: (any Error).self) { try AlertChangelogCodec.decode(data.prefix(n)) }
            }
        }
        var unknown = AlertChangelogCodec.encode(AlertChangelogRecord(state: states[0], owner: "", sources: "", admitted: true))
        unknown[0] = 9
        #expect("\((try? AlertChangelogCodec.decode(unknown)).map { _ in "read" } ?? "refused")" == "refused")
        do {
            _ = try AlertChangelogCodec.decode(unknown)
        } catch {
            #expect("\(error)".hasPrefix("state changelog record is corrupt: "), "\(error)")
        }
    }

    @Test func aStoreRestoredFromTheChangelogHoldsTheSameStates() throws {
        let (source, _) = try freshStore()
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        // Opened, then duplicates from another source, then a complete scan resolves CVE-0..2
        // (not reported again) and one more report reopens CVE-0; CVE-5 is acknowledged.
        try source.apply(BatchWrite(reports: (0..<6).map { AlertReport(alert: alert($0), owner: "s/0", receivedAt: t0) }))
        var dup = alert(4)
        dup.labels["source"] = "inspector2"
        try source.apply(BatchWrite(reports: (0..<3).map { _ in AlertReport(alert: dup, owner: "s/0", receivedAt: t0.addingTimeInterval(10)) }))
        try source.apply(BatchWrite(
            reports: (3..<6).map { AlertReport(alert: alert($0), owner: "s/0", receivedAt: t0.addingTimeInterval(20)) },
            scans: [ScanReport(scopes: ["img:1"], present: Set((3..<6).map { alert($0).fingerprint }), at: t0.addingTimeInterval(20))]))
        try source.apply(BatchWrite(reports: [AlertReport(alert: alert(0), owner: "s/0", receivedAt: t0.addingTimeInterval(30))]))
        _ = try source.update(alert(5).fingerprint) { AlertLifecycle.acknowledge($0, at: t0.addingTimeInterval(40)) }

        let (records, durable) = source.takeChangelog()
        #expect(durable == [alert(5).fingerprint], "only the acknowledgement needs a pending mark")
        #expect(!source.changelogWaiting)
        // Oldest change first, each alert once: its last change decides its place.
        #expect(records.map(\.fingerprint).suffix(2) == [alert(0).fingerprint, alert(5).fingerprint])
        #expect(Set(records.map(\.fingerprint)).count == records.count)
        #expect(records.first { $0.fingerprint == alert(1).fingerprint }?.state.status == .resolved, "the scan's resolution is in it")

        let (copy, copyPath) = try freshStore()
        // Through the wire form, in two halves (a restore reads in chunks).
        let wire = try records.map { try AlertChangelogCodec.decode(AlertChangelogCodec.encode($0)) }
        try copy.restore(Array(wire.prefix(3)))
        try copy.restore(Array(wire.dropFirst(3)))
        #expect(try snapshot(copy) == snapshot(source))
        #expect(try snapshot(AlertStore(database: StateDatabase(path: copyPath))) == snapshot(source), "and after a reopen of its file")
        #expect(!copy.changelogWaiting, "a restore is not a change to produce again")

        // The copy decides the next report as the source would: a duplicate, not a new alert.
        let next = try copy.apply(BatchWrite(reports: [AlertReport(alert: alert(4), owner: "s/0", receivedAt: t0.addingTimeInterval(50))]))
        #expect(next.transitions == [.duplicate])
        #expect(try copy.state(of: alert(4).fingerprint)?.occurrences == 6, "1 + 3 + 1 reported to the source, 1 to the copy")
    }

    @Test func aLocalChangeNotYetProducedWinsOverTheChangelog() throws {
        let (store, _) = try freshStore()
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        try store.apply(BatchWrite(reports: [AlertReport(alert: alert(1), owner: "s/0", receivedAt: t0)]))
        let old = store.takeChangelog().records
        _ = try store.update(alert(1).fingerprint) { AlertLifecycle.acknowledge($0, at: t0.addingTimeInterval(5)) }
        #expect(try store.restore(old) == 0)
        #expect(try store.state(of: alert(1).fingerprint)?.status == .acknowledged)
        // Once produced, the changelog is the truth again.
        let taken = store.takeChangelog()
        try store.changelogWritten(taken.durable)
        #expect(try store.restore(old) == 1)
        #expect(try store.state(of: alert(1).fingerprint)?.status == .firing)
    }

    @Test func anAcknowledgementNotYetProducedIsQueuedAgainAfterACrash() throws {
        let (store, path) = try freshStore()
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        try store.apply(BatchWrite(reports: (1...2).map { AlertReport(alert: alert($0), owner: "s/0", receivedAt: t0) }))
        _ = store.takeChangelog()
        _ = try store.update(alert(1).fingerprint, by: "ana") { AlertLifecycle.acknowledge($0, at: t0.addingTimeInterval(5)) }
        // The record of the acknowledgement names who made it (the groups' owners follow it up in that name).
        #expect(store.takeChangelog().records.map(\.acknowledgedBy) == ["ana"])
        // The process dies before the state stage produced it: a new one opens the file.
        let reopened = try AlertStore(database: StateDatabase(path: path))
        let again = reopened.takeChangelog()
        #expect(again.records.map(\.fingerprint) == [alert(1).fingerprint])
        #expect(again.records.first?.state.status == .acknowledged)
        #expect(again.records.first?.owner == "s/0")
        #expect(again.durable == [alert(1).fingerprint])
        // Produced: the mark goes, and the next open queues nothing.
        try reopened.changelogWritten(again.durable)
        #expect(!(try AlertStore(database: StateDatabase(path: path))).changelogWaiting)
    }

    /// Step 4 of #14: the instance that owns an alert's group notified it; the alert's owner
    /// records the first such notification as its own would be (`notified_at`, the lifecycle
    /// record's mark, a history event), and only the first of the alert's instance.
    @Test func aFirstNotificationSentByTheGroupsOwnerIsRecordedByTheAlertsOwner() throws {
        let (store, path) = try freshStore()
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        try store.apply(BatchWrite(reports: [AlertReport(alert: alert(1), owner: "s/0", receivedAt: t0)]))
        let fp = alert(1).fingerprint
        let lifecycle = LifecycleChangelog(database: try StateDatabase(path: path))
        _ = try lifecycle.take()
        func notified(_ f: Fingerprint = fp, start: Date = t0, ref: String, at: Date) throws -> Bool {
            try store.recordNotifiedElsewhere(f, instanceStart: start, receiver: "pager", target: "pager/webhook[0]", ref: ref, at: at)
        }
        #expect(try !notified(start: t0.addingTimeInterval(-60), ref: "k0", at: t0.addingTimeInterval(1)),
                "a notification of an earlier instance of the alert")
        // The group owner's clock is half a second behind: the time is no earlier than the start.
        #expect(try notified(start: t0.addingTimeInterval(0.0004), ref: "k1", at: t0.addingTimeInterval(-0.5)))
        #expect(try !notified(ref: "k2", at: t0.addingTimeInterval(9)), "only the first")
        #expect(try !notified(Fingerprint(value: 7), ref: "k3", at: t0), "an alert not held")
        #expect(try lifecycle.take().records.map(\.notifiedAt) == [t0])
        let events = try AlertHistory(database: try StateDatabase(path: path)).events(of: fp, current: nil).filter { $0.kind == .notified }
        #expect(events.map(\.ref) == ["k1"])
    }

    @Test func changesPutBackAfterAnAbortKeepTheirOrderBehindNewerOnes() throws {
        let (store, _) = try freshStore()
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        try store.apply(BatchWrite(reports: (1...3).map { AlertReport(alert: alert($0), owner: "s/0", receivedAt: t0) }))
        let taken = store.takeChangelog()
        _ = try store.update(alert(2).fingerprint) { AlertLifecycle.acknowledge($0, at: t0.addingTimeInterval(5)) }
        store.requeueChangelog(taken.records, durable: taken.durable)
        let again = store.takeChangelog().records
        #expect(again.map(\.fingerprint) == [alert(1), alert(3), alert(2)].map(\.fingerprint))
        #expect(again.last?.state.status == .acknowledged, "the newer change of CVE-2 is kept, not the one put back")
    }
}
