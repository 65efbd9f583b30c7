import Foundation
import KlaxonCore
import KlaxonStore
import Logging
import Testing

@testable import KlaxonService

/// Pushed alerts (`POST /api/v2/alerts`, decoded from the ingest topic as Kafka input is) live
/// by the existing lifecycle: `endsAt` in the past resolves, a re-sent alert refreshes, and one
/// that stops being re-sent resolves after `lifecycle.resolve_timeout.alertmanager`. Real
/// SQLite file, virtual time.
@Suite struct AlertmanagerPushLifecycleTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// What the ingest loop stores for a push body received at `at`.
    func reports(_ json: String, at: Date) throws -> BatchWrite {
        let pushed = try PostableAlerts.parse(Data(json.utf8), now: at)
        let alerts = try pushed.messages.flatMap { try Decoders.decode($0.payload, format: .alertmanager, context: DecodeContext(receivedAt: at)).alerts }
        return BatchWrite(reports: alerts.map { AlertReport(alert: $0, owner: "klaxon.ingest/0", receivedAt: at) })
    }

    func world(_ lifecycle: String) throws -> (AlertStore, LifecycleSweeper) {
        let path = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("klaxon-push-\(UUID().uuidString.prefix(8))/s.db").path
        let db = try StateDatabase(path: path)
        let store = try AlertStore(database: db)
        let config = try ServiceConfig.load(yaml: "kafka: {embedded: true, topics: [{name: t}]}\n" + lifecycle, file: "k.yml")
        let sweeper = LifecycleSweeper(
            store: store, history: AlertHistory(database: db), config: config.lifecycle, resolved: { _, _ in }, logger: Logger(label: "test"))
        return (store, sweeper)
    }

    let firing = #"[{"labels": {"alertname": "HighLatency", "team": "web"}, "startsAt": "2027-01-15T08:00:00Z"}]"#

    @Test func anAlertNoLongerReSentResolvesAfterTheAlertmanagerTimeout() async throws {
        let (store, sweeper) = try world("lifecycle:\n  resolve_timeout:\n    alertmanager: 5m\n")
        try store.apply(try reports(firing, at: t0))
        // Prometheus re-sends it every minute for 10 minutes: each report refreshes it.
        for minute in 1...10 { try store.apply(try reports(firing, at: t0.addingTimeInterval(Double(minute) * 60))) }
        #expect(try await sweeper.sweep(now: t0.addingTimeInterval(10 * 60 + 4 * 60)).resolved.isEmpty, "5 minutes from the last push, not the first")
        let out = try await sweeper.sweep(now: t0.addingTimeInterval(10 * 60 + 5 * 60))
        #expect(out.resolved.count == 1)
        #expect(try store.states().map(\.status) == [.resolved])
    }

    @Test func withoutATimeoutOnlyEndsAtResolves() async throws {
        let (store, sweeper) = try world("")
        try store.apply(try reports(firing, at: t0))
        #expect(try await sweeper.sweep(now: t0.addingTimeInterval(86_400)).resolved.isEmpty, "no default timeout for source alertmanager")
        // Prometheus sends the alert with endsAt = when the rule stopped firing.
        let ended = #"[{"labels": {"alertname": "HighLatency", "team": "web"}, "startsAt": "2027-01-15T08:00:00Z", "endsAt": "2027-01-16T08:00:00Z"}]"#
        let result = try store.apply(try reports(ended, at: t0.addingTimeInterval(86_401)))
        #expect(result.changes.map(\.status) == [.resolved])
        #expect(try store.states().first?.resolvedAt == t0.addingTimeInterval(86_400))
    }
}
