import Foundation
import KlaxonCore
import KlaxonStore
import Testing

/// Follow-ups over a real SQLite file: an acknowledgement is queued in the transaction that
/// records it, to the integrations that were notified of the alert firing and take
/// acknowledgements; an escalation tier's resolution only to escalation groups; both once.
@Suite struct FollowUpStoreTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func world() throws -> (AlertStore, Outbox, AlertHistory, Alert) {
        let path = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("klaxon-followup-\(UUID().uuidString.prefix(8))/s.db").path
        let db = try StateDatabase(path: path)
        let store = try AlertStore(database: db)
        let labels = ["alertname": "CVE-2024-6387", "source": "trivy", "severity": "critical"]
        let alert = Alert(labels: labels, severity: .critical, fingerprint: Fingerprint(labels: labels))
        try store.apply(BatchWrite(reports: [AlertReport(alert: alert, owner: "r/0", receivedAt: t0)]))
        return (store, Outbox(database: db), AlertHistory(database: db), alert)
    }

    /// A firing notification of `alert` to `receiver/integration` in `group`, queued at t0 + 1 s.
    func notify(_ store: AlertStore, _ alert: Alert, receiver: String, integration: String, group: String) throws {
        let notified = NotifiedAlert(status: .firing, fingerprint: alert.fingerprint, labels: alert.labels, annotations: [:], severity: alert.severity, startsAt: t0)
        let n = AlertNotification(idempotencyKey: "\(receiver)/\(group)", receiver: receiver, status: .firing, groupKey: group,
                                  groupLabels: ["alertname": alert.name], alerts: [notified])
        try store.recordFlush([QueuedNotification(notification: n, integration: integration, key: "\(receiver)/\(group)/\(integration)")], log: [:], at: t0.addingTimeInterval(1))
    }

    let routing = FollowUpRouting(
        acknowledgements: ["team": ["webhook[0]"], "oncall": ["pagerduty[0]"]],
        resolutions: ["team": ["webhook[0]", "securityhub[0]"], "oncall": ["pagerduty[0]"]])

    @Test func anAckIsQueuedOnceForEveryNotifiedIntegrationThatTakesOne() throws {
        let (store, outbox, history, alert) = try world()
        try notify(store, alert, receiver: "team", integration: "webhook[0]", group: "{}:{cve}")
        try notify(store, alert, receiver: "team", integration: "securityhub[0]", group: "{}:{cve}")
        try notify(store, alert, receiver: "oncall", integration: "pagerduty[0]", group: "escalation:p:\(alert.fingerprint)")
        let acked = try #require(try store.update(alert.fingerprint, by: "ana", followUps: routing) { AlertLifecycle.acknowledge($0, at: self.t0.addingTimeInterval(60)) })
        #expect(acked.status == .acknowledged)
        let acks = try outbox.list().filter { $0.notification.status == .acknowledged }
        #expect(acks.map(\.lane).sorted() == ["oncall/pagerduty[0]", "team/webhook[0]"], "Security Hub takes no acknowledgement")
        #expect(acks.allSatisfy { $0.notification.acknowledgedBy == "ana" && $0.notification.acknowledgedAt == t0.addingTimeInterval(60) })
        #expect(Set(acks.map(\.groupKey)) == ["{}:{cve}", "escalation:p:\(alert.fingerprint)"], "each in the group it was notified in")
        let reasons = try history.events(of: alert.fingerprint, current: acked).filter { $0.kind == .notified }.map(\.reason)
        #expect(reasons.filter { $0.hasPrefix("acknowledged → ") }.sorted() == ["acknowledged → oncall/pagerduty[0]", "acknowledged → team/webhook[0]"])
        // The first notification time (MTTA's start) is still the firing one.
        #expect(try history.openAlerts().first?.notifiedAt == t0.addingTimeInterval(1))
        // Acknowledged already: nothing changes, nothing more is queued.
        #expect(try store.update(alert.fingerprint, by: "bob", followUps: routing) { AlertLifecycle.acknowledge($0, at: self.t0) } == nil)
        #expect(try outbox.list().filter { $0.notification.status == .acknowledged }.count == 2)
    }

    @Test func aResolutionClosesOnlyTheEscalationGroupsOnce() throws {
        let (store, outbox, _, alert) = try world()
        try notify(store, alert, receiver: "team", integration: "webhook[0]", group: "{}:{cve}")
        try notify(store, alert, receiver: "oncall", integration: "pagerduty[0]", group: "escalation:p:\(alert.fingerprint)")
        let resolved = try #require(try store.update(alert.fingerprint, by: "ana") { AlertLifecycle.resolve($0, at: self.t0.addingTimeInterval(120)) })
        #expect(try store.queueEscalationResolutions([resolved], routing: routing) == 1)
        #expect(try store.queueEscalationResolutions([resolved], routing: routing) == 0, "a second call (a restart) adds nothing")
        let rows = try outbox.list().filter { $0.notification.status == .resolved }
        #expect(rows.map(\.lane) == ["oncall/pagerduty[0]"], "the route's group is grouping's to resolve")
        let n = try #require(rows.first?.notification)
        #expect(n.groupKey == "escalation:p:\(alert.fingerprint)" && n.alerts.map(\.status) == [.resolved])
        #expect(n.alerts.first?.endsAt == t0.addingTimeInterval(120))
    }
}
