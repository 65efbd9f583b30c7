import Foundation
import GRDB
import KlaxonCore
import Testing

@testable import KlaxonStore

/// An alert's history over a real SQLite file: transitions written with the state change,
/// duplicates counted rather than stored, notifications joined with their outbox rows.
@Suite struct AlertHistoryTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func alert(occurred: Date? = nil, detected: Date? = nil) -> Alert {
        let labels = ["alertname": "CVE-1", "severity": "critical", "source": "trivy", "image": "img:1"]
        return Alert(
            labels: labels, severity: .critical, fingerprint: Fingerprint(labels: ["alertname": "CVE-1"]), scope: "img:1",
            occurredAt: occurred, detectedAt: detected)
    }

    func freshStore() throws -> (AlertStore, AlertHistory, StateDatabase) {
        let path = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("klaxon-hist-\(UUID().uuidString.prefix(8))/s.db").path
        let db = try StateDatabase(path: path)
        return (try AlertStore(database: db), AlertHistory(database: db), db)
    }

    func notification(_ a: Alert, status: AlertNotification.Status, startsAt: Date, key: String) -> QueuedNotification {
        let n = AlertNotification(
            idempotencyKey: key, receiver: "oncall", status: status, groupKey: "{}:{}", groupLabels: [:],
            alerts: [NotifiedAlert(status: status, fingerprint: a.fingerprint, labels: a.labels, annotations: [:], severity: a.severity, startsAt: startsAt)])
        return QueuedNotification(notification: n, integration: "webhook/0", key: key + "/webhook/0")
    }

    @Test func everyTransitionInTimeOrderWithDuplicatesCounted() throws {
        let (store, history, _) = try freshStore()
        let a = alert(occurred: t0.addingTimeInterval(-3600), detected: t0.addingTimeInterval(-60))
        let fp = a.fingerprint
        try store.apply(BatchWrite(reports: [AlertReport(alert: a, owner: "s/0", receivedAt: t0)]))
        for i in 1...5 {
            try store.apply(BatchWrite(reports: [AlertReport(alert: a, owner: "s/0", receivedAt: t0.addingTimeInterval(Double(i)))]))
        }
        #expect(try store.recordFlush([notification(a, status: .firing, startsAt: t0, key: "k1")], log: [:], at: t0.addingTimeInterval(10)) == 1)
        // A replayed flush queues nothing and records nothing.
        #expect(try store.recordFlush([notification(a, status: .firing, startsAt: t0, key: "k1")], log: [:], at: t0.addingTimeInterval(11)) == 0)
        _ = try store.update(fp, by: "alice", reason: "looking") { AlertLifecycle.acknowledge($0, at: self.t0.addingTimeInterval(20)) }
        try store.apply(BatchWrite(scans: [ScanReport(scopes: ["img:1"], present: [], at: t0.addingTimeInterval(30))]))
        try store.apply(BatchWrite(reports: [AlertReport(alert: a, owner: "s/0", receivedAt: t0.addingTimeInterval(40))]))
        try store.apply(BatchWrite(reports: [AlertReport(alert: a, owner: "s/0", receivedAt: t0.addingTimeInterval(41))]))

        let events = try history.events(of: fp, current: try store.state(of: fp))
        #expect(events.map(\.kind) == [.opened, .reported, .notified, .acknowledged, .resolved, .reopened, .reported])
        #expect(events.map { $0.at.timeIntervalSince(t0) } == [0, 5, 10, 20, 30, 40, 41])
        #expect(events[0].reason.hasPrefix("notify"), "the noise filter's verdict: \(events[0].reason)")
        #expect(events[1].count == 5, "five duplicates, one entry")
        #expect(events[2].actor == "oncall" && events[2].delivery == "pending" && events[2].ref == "k1/webhook/0")
        #expect(events[3].actor == "alice" && events[3].reason == "looking")
        #expect(events[4].actor == "scan")
        #expect(events[6].count == 1)
    }

    @Test func theOpenedEventOnTheAlertRowReadsAsTheRowEarlierVersionsWrote() throws {
        let (store, history, db) = try freshStore()
        let a = alert()
        let b = Alert(labels: ["alertname": "CVE-2", "severity": "high", "source": "grype"], severity: .high, fingerprint: Fingerprint(labels: ["alertname": "CVE-2"]))
        try store.apply(BatchWrite(reports: [AlertReport(alert: a, owner: "s/0", receivedAt: t0), AlertReport(alert: b, owner: "s/1", receivedAt: t0)]))
        try store.apply(BatchWrite(scans: [ScanReport(scopes: ["img:1"], present: [], at: t0.addingTimeInterval(30))]))
        try store.apply(BatchWrite(reports: [AlertReport(alert: a, owner: "s/0", receivedAt: t0.addingTimeInterval(40))]))
        func read() throws -> ([AlertEvent], [AlertEvent], [String], [IncidentRecord]) {
            (
                try history.events(of: a.fingerprint, current: try store.state(of: a.fingerprint)),
                try history.events(of: b.fingerprint, current: try store.state(of: b.fingerprint)),
                try history.events(kinds: [.opened, .reopened, .resolved], since: t0).map { "\($0.0) \($0.1.kind) \($0.1.actor) \($0.1.at.timeIntervalSince(t0))" },
                try history.incidents(since: t0, until: t0.addingTimeInterval(60)).sorted { ($0.fingerprint, $0.detectedAt) < ($1.fingerprint, $1.detectedAt) }
            )
        }
        let now = try read()
        #expect(now.0.map(\.kind) == [.opened, .resolved, .reopened])
        #expect(now.0[0] == AlertEvent(at: t0, kind: .opened, actor: "trivy", reason: now.0[0].reason), "who and when")
        #expect(now.0[0].reason.hasPrefix("notify"), "the noise filter's verdict: \(now.0[0].reason)")
        #expect(now.1.map(\.kind) == [.opened] && now.1[0].actor == "grype")
        #expect(now.3.count == 3, "two instances of a, one of b")
        let openedRows = try db.pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM alert_event WHERE kind = 'opened'") }
        #expect(openedRows == 0, "a new alert's opened event is on its row")

        // The same history as versions before v17 stored it: the opened events as rows.
        try db.pool.write { db in
            try db.execute(sql: """
                INSERT INTO alert_event (fingerprint, at, kind, actor, reason)
                SELECT fingerprint, opened_at, 'opened', opened_by, opened_reason FROM alert ORDER BY rowid;
                UPDATE alert SET opened_at = NULL, opened_by = NULL, opened_reason = NULL;
                """)
        }
        let before = try read()
        #expect(before.0 == now.0 && before.1 == now.1 && before.3 == now.3)
        #expect(before.2 == now.2, "the same events in the same order")
    }

    @Test func suppressedReportsRecordTheVerdictAndARelease() throws {
        let (store, history, _) = try freshStore()
        let a = alert()
        let held: NoiseDecider = { a, _, _, _ in .suppressed(.falsePositive, .falsePositive(a.fingerprint)) }
        try store.apply(BatchWrite(reports: [AlertReport(alert: a, owner: "s/0", receivedAt: t0)]), decide: held)
        try store.apply(BatchWrite(reports: [AlertReport(alert: a, owner: "s/0", receivedAt: t0.addingTimeInterval(1))]), decide: held)
        try store.apply(
            BatchWrite(reports: [AlertReport(alert: a, owner: "s/0", receivedAt: t0.addingTimeInterval(2))]),
            decide: { _, t, _, _ in .notify(transition: t, threshold: nil) })
        let events = try history.events(of: a.fingerprint, current: try store.state(of: a.fingerprint))
        #expect(events.map(\.kind) == [.opened, .admitted, .reported])
        #expect(events[0].reason.hasPrefix("suppressed (false_positive)"), "\(events[0].reason)")
    }
}
