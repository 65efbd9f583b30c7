import Foundation
import GRDB
import KlaxonCore
import KlaxonDelivery
@testable import KlaxonStore
import Logging
import Testing

/// The outbox's stored form (`OutboxPayload`) over a real SQLite file: rows that refer to
/// their alerts' rows, rows that keep their own compact copy, rows queued as JSON by earlier
/// versions, and the trigger that keeps referenced alert rows while an entry is pending.
@Suite struct OutboxPayloadTests {
    let logger = Logger(label: "test")
    let t0 = Date(timeIntervalSince1970: 1_800_000_000.123456)

    func freshStore() throws -> (AlertStore, Outbox, String) {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("klaxon-payload-\(UUID().uuidString.prefix(8))").path
        let db = try StateDatabase(path: dir + "/state.db")
        return (try AlertStore(database: db), Outbox(database: db), dir)
    }

    func alert(_ i: Int) -> Alert {
        let labels = ["alertname": "CVE-2024-\(1000 + i)", "severity": "high", "source": "trivy", "image": "svc:\(i % 2)"]
        return Alert(labels: labels, annotations: ["summary": "a vulnerability", "fixed_version": "1.2.\(i)"], severity: .high,
                     fingerprint: Fingerprint(labels: labels))
    }

    /// Stores `alerts` as reported (firing) at `at`.
    func report(_ store: AlertStore, _ alerts: [Alert], at: Date) throws {
        try store.apply(BatchWrite(reports: alerts.map { AlertReport(alert: $0, owner: "t/0", receivedAt: at) }))
    }

    func notified(_ a: Alert, status: AlertNotification.Status = .firing, endsAt: Date? = nil, occurrences: Int = 1) -> NotifiedAlert {
        NotifiedAlert(
            status: status, fingerprint: a.fingerprint, labels: a.labels, annotations: a.annotations, severity: a.severity,
            startsAt: t0, endsAt: endsAt, occurrences: occurrences)
    }

    func group(_ alerts: [NotifiedAlert], key: String = "r/g1", status: AlertNotification.Status = .firing) -> AlertNotification {
        AlertNotification(
            idempotencyKey: key, receiver: "r", status: status, groupKey: "{}:{image=\"svc:0\"}", groupLabels: ["image": "svc:0"],
            alerts: alerts)
    }

    func payload(_ outbox: Outbox, _ store: AlertStore, id: Int64) throws -> Data {
        try store.database.pool.read { try Data.fetchOne($0, sql: "SELECT payload FROM outbox WHERE id = ?", arguments: [id])! }
    }

    @Test func aCopyKeepingRowReadsBackExactlyWhatWasQueued() throws {
        let (store, outbox, _) = try freshStore()
        let resolvedAt = t0.addingTimeInterval(42.000_001)
        var n = group([notified(alert(1), occurrences: 7), notified(alert(2), status: .resolved, endsAt: resolvedAt)])
        n.acknowledgedBy = "alice"
        n.acknowledgedAt = t0.addingTimeInterval(5)
        // A key of the grouping's shape (KEY/INTEGRATION, the record leaves the key out) and a
        // fallback copy's (the record keeps its own).
        let fallback = n.fallback(to: "fb")
        try outbox.enqueue([
            QueuedNotification(notification: n, integration: "webhook[0]", key: "r/g1/webhook[0]"),
            QueuedNotification(notification: fallback, integration: "file[0]", key: "r/g1/webhook[0]/fallback/file[0]"),
        ], at: t0)
        let entries = try outbox.entries().sorted { $0.id < $1.id }
        #expect(entries.map(\.notification) == [n, fallback], "status, times to the microsecond, ack, labels and annotations")
        #expect(entries[1].notification.fallbackFor == "r" && entries[1].notification.idempotencyKey == "r/g1/fallback")
        let stored = try payload(outbox, store, id: entries[0].id)
        #expect(stored.first == 1, "the binary record, not JSON")
        let json = try OutboxPayload.legacyJSON(n)
        #expect(stored.count < json.count, "\(stored.count) bytes, JSON \(json.count)")
    }

    @Test func aReferringRowKeepsWhatWasNotifiedAndReadsContentFromTheAlertRow() async throws {
        let (store, outbox, dir) = try freshStore()
        let alerts = (0..<3).map { alert($0) }
        try report(store, alerts, at: t0)
        let resolvedAt = t0.addingTimeInterval(60)
        let n = group([notified(alerts[0], occurrences: 3), notified(alerts[1]), notified(alerts[2], status: .resolved, endsAt: resolvedAt)])
        let q = QueuedNotification(notification: n, integration: "file[0]", key: "r/g1/file[0]", referencesAlerts: true)
        #expect(try store.recordFlush([q], log: [:], at: t0) == 1)

        let entry = try #require(try outbox.entries().first)
        #expect(entry.notification == n, "labels and annotations come back from the alert rows")
        let stored = try payload(outbox, store, id: entry.id)
        #expect(!String(decoding: stored, as: UTF8.self).contains("CVE-2024"), "no label is copied into the row")
        #expect(stored.count < 120, "\(stored.count) bytes for 3 alerts")

        // The alert row changes after the flush (a new annotation): the send carries the current
        // content, but the status and times that were notified.
        _ = try store.update(alerts[2].fingerprint) { state in
            var changed = state
            changed.alert.annotations["summary"] = "now with a fix"
            return changed
        }
        let due = try #require(try outbox.due(now: t0.addingTimeInterval(100)).first)
        #expect(due.notification.alerts[2].annotations["summary"] == "now with a fix")
        #expect(due.notification.alerts[2].status == .resolved && due.notification.alerts[2].endsAt == resolvedAt)
        #expect(due.notification.alerts[0].occurrences == 3 && due.notification.alerts[0].startsAt == t0)

        // And it is sent that way.
        let path = dir + "/out.jsonl"
        let dispatcher = OutboxDispatcher(outbox: outbox, sinks: ["r/file[0]": FileSink(path: path)], logger: logger)
        #expect(await dispatcher.drainDue(now: t0.addingTimeInterval(100)) == 1)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.contains { $0.contains("CVE-2024-1000") } && lines.contains { $0.contains("now with a fix") })
        #expect(try outbox.counts()[.delivered] == 1)
    }

    @Test func rowsQueuedAsJSONByAnEarlierVersionStillDecodeAndSend() async throws {
        let (store, outbox, dir) = try freshStore()
        let n = group([notified(alert(5)), notified(alert(6), status: .resolved, endsAt: t0.addingTimeInterval(3))])
        // The row exactly as earlier versions wrote it (JSON, dates in milliseconds).
        try await store.database.pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO outbox (idempotency_key, receiver, integration, fingerprint, group_key, payload, next_attempt_at, created_at)
                    VALUES (?, 'r', 'file[0]', ?, ?, ?, ?, ?)
                    """,
                arguments: ["r/g1/file[0]", alert(5).fingerprint.description, n.groupKey, try OutboxPayload.legacyJSON(n),
                            t0.timeIntervalSince1970, t0.timeIntervalSince1970])
        }
        let entry = try #require(try outbox.entries().first)
        #expect(entry.notification.alerts.map(\.labels) == n.alerts.map(\.labels))
        #expect(entry.notification.alerts.map(\.annotations) == n.alerts.map(\.annotations))
        #expect(entry.notification.alerts[1].status == .resolved && entry.notification.idempotencyKey == "r/g1")
        let path = dir + "/legacy.jsonl"
        let dispatcher = OutboxDispatcher(outbox: outbox, sinks: ["r/file[0]": FileSink(path: path)], logger: logger)
        #expect(await dispatcher.drainDue(now: t0) == 1)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("CVE-2024-1005") && text.contains("CVE-2024-1006"))
        #expect(try outbox.counts()[.delivered] == 1)
    }

    @Test func aDeleteCannotOrphanAPendingRowAndAGoneRowFallsBackToTheGroupLabels() throws {
        let (store, outbox, _) = try freshStore()
        let alerts = (0..<4).map { alert($0) }
        try report(store, alerts, at: t0)
        let referring = QueuedNotification(
            notification: group([notified(alerts[0]), notified(alerts[1])]), integration: "webhook[0]", key: "r/g1/webhook[0]",
            referencesAlerts: true)
        try outbox.enqueue([referring], at: t0)
        func remaining() throws -> Set<String> {
            Set(try store.database.pool.read { try String.fetchAll($0, sql: "SELECT fingerprint FROM alert") })
        }

        // Retention or any cleanup: one DELETE over every alert keeps the two the pending row
        // refers to and removes the others.
        try store.database.pool.write { try $0.execute(sql: "DELETE FROM alert") }
        #expect(try remaining() == [alerts[0].fingerprint.description, alerts[1].fingerprint.description])
        let pending = try #require(try outbox.entries().first)
        #expect(pending.notification.alerts.map(\.labels) == [alerts[0].labels, alerts[1].labels])

        // Once the entry is dead (or delivered) nothing holds them.
        try outbox.markFailed(pending.id, error: "HTTP 400", retryAt: nil, at: t0)
        try store.database.pool.write { try $0.execute(sql: "DELETE FROM alert") }
        #expect(try remaining().isEmpty)

        // Retried by hand after its alerts are gone: it still reads (and would send) with the
        // group's labels, which every alert of the group carries, and its own status and times.
        #expect(try outbox.retry(pending.id, at: t0))
        let resent = try #require(try outbox.entry(pending.id))
        #expect(resent.status == .pending)
        #expect(resent.notification.alerts.map(\.labels) == [["image": "svc:0"], ["image": "svc:0"]])
        #expect(resent.notification.alerts.map(\.fingerprint) == [alerts[0].fingerprint, alerts[1].fingerprint])
        #expect(resent.notification.alerts.allSatisfy { $0.startsAt == t0 && $0.annotations.isEmpty })
    }

    @Test func aCorruptPayloadIsAClearErrorNotACrash() throws {
        let (store, outbox, _) = try freshStore()
        for (i, bytes) in [[1, 0, 0, 5], [1, 9], [7], [1, 0, 0, 0, 200, 200, 200, 200, 1]].enumerated() {
            try store.database.pool.write { db in
                try db.execute(sql: "DELETE FROM outbox")
                try db.execute(
                    sql: """
                        INSERT INTO outbox (idempotency_key, receiver, integration, fingerprint, group_key, payload, next_attempt_at, created_at)
                        VALUES (?, 'r', 'webhook[0]', '', 'g', ?, 0, 0)
                        """,
                    arguments: ["k\(i)/webhook[0]", Data(bytes.map(UInt8.init))])
            }
            do {
                _ = try outbox.entries()
                Issue.record("payload \(bytes) decoded")
            } catch {
                #expect("\(error)".hasPrefix("stored notification k\(i)/webhook[0] is corrupt: "), "\(error)")
            }
        }
    }
}
