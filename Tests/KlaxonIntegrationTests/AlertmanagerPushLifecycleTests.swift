import Foundation
import KlaxonCore
import KlaxonStore
import Logging
import Testing

@testable import KlaxonService

/// Pushed alerts (`POST /api/v2/alerts`, decoded from the ingest topic as Kafka input is) end as
/// in Alertmanager: at their `endsAt` unless pushed again (Prometheus moves it ahead with every
/// re-send), after `global.resolve_timeout` when pushed without one, at once when it is past.
/// Alertmanager webhooks read from Kafka (firing ones carry no `endsAt`) end only by a resolved
/// report or `lifecycle.resolve_timeout.alertmanager`. Real SQLite file, virtual time.
@Suite struct AlertmanagerPushLifecycleTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// What the ingest loop stores for a push body accepted at `at` and consumed `lag` later.
    func reports(_ json: String, at: Date, lag: TimeInterval = 0, resolveTimeout: Duration = .seconds(300)) throws -> BatchWrite {
        let pushed = try PostableAlerts.parse(Data(json.utf8), now: at, resolveTimeout: resolveTimeout)
        return try decoded(pushed.messages.map(\.payload), producedAt: at, consumedAt: at.addingTimeInterval(lag))
    }

    func decoded(_ payloads: [Data], producedAt: Date, consumedAt: Date) throws -> BatchWrite {
        let context = DecodeContext(receivedAt: consumedAt, producedAt: producedAt)
        let alerts = try payloads.flatMap { try Decoders.decode($0, format: .alertmanager, context: context).alerts }
        return BatchWrite(reports: alerts.map { AlertReport(alert: $0, owner: "klaxon.ingest/0", receivedAt: consumedAt) })
    }

    func world(_ lifecycle: String = "", path: String? = nil) throws -> (AlertStore, LifecycleSweeper, String) {
        let path = path ?? URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("klaxon-push-\(UUID().uuidString.prefix(8))/s.db").path
        let db = try StateDatabase(path: path)
        let store = try AlertStore(database: db)
        let config = try ServiceConfig.load(yaml: "kafka: {embedded: true, topics: [{name: t}]}\n" + lifecycle, file: "k.yml")
        let sweeper = LifecycleSweeper(
            store: store, history: AlertHistory(database: db), config: config.lifecycle, resolved: { _, _ in }, logger: Logger(label: "test"))
        return (store, sweeper, path)
    }

    let firing = #"[{"labels": {"alertname": "HighLatency", "team": "web"}, "startsAt": "2027-01-15T08:00:00Z"}]"#

    /// Prometheus' push: `endsAt` four evaluation intervals ahead of the send.
    func prometheus(at: Date) -> String {
        let ends = at.addingTimeInterval(240).formatted(Date.ISO8601FormatStyle())
        return #"[{"labels": {"alertname": "HighLatency", "team": "web"}, "startsAt": "2027-01-15T08:00:00Z", "endsAt": "\#(ends)"}]"#
    }

    @Test func aPushWithoutEndsAtEndsResolveTimeoutAfterTheLastPush() async throws {
        let (store, sweeper, _) = try world()
        try store.apply(try reports(firing, at: t0))
        #expect(store.unresolvedActivity().first?.expiresAfter == 300, "global resolve_timeout, default 5m")
        for minute in 1...10 { try store.apply(try reports(firing, at: t0.addingTimeInterval(Double(minute) * 60))) }
        #expect(try await sweeper.sweep(now: t0.addingTimeInterval(10 * 60 + 299)).resolved.isEmpty, "5 minutes from the last push, not the first")
        let out = try await sweeper.sweep(now: t0.addingTimeInterval(10 * 60 + 420))
        #expect(out.resolved.count == 1)
        let state = try #require(try store.states().first)
        #expect(state.status == .resolved)
        #expect(state.resolvedAt == t0.addingTimeInterval(15 * 60), "resolved at its end, not at the pass")
        #expect(state.alert.labels["source"] == nil && state.alert.source == "alertmanager", "labels as sent")
    }

    @Test func aConfiguredResolveTimeoutIsUsedForPushesWithoutEndsAt() async throws {
        let (store, sweeper, _) = try world()
        try store.apply(try reports(firing, at: t0, resolveTimeout: .seconds(60)))
        #expect(try await sweeper.sweep(now: t0.addingTimeInterval(59)).resolved.isEmpty)
        #expect(try await sweeper.sweep(now: t0.addingTimeInterval(61)).resolved.count == 1)
    }

    @Test func prometheusEndsAtIsTheEndAndSurvivesARestart() async throws {
        var (store, sweeper, path) = try world()
        for minute in 0...5 { try store.apply(try reports(prometheus(at: t0.addingTimeInterval(Double(minute) * 60)), at: t0.addingTimeInterval(Double(minute) * 60))) }
        let last = t0.addingTimeInterval(300)
        #expect(try await sweeper.sweep(now: last.addingTimeInterval(239)).resolved.isEmpty)
        // A restart reads the end back with the rest of the index.
        (store, sweeper, _) = try world(path: path)
        #expect(store.unresolvedActivity().first?.expiresAfter == 240)
        #expect(try await sweeper.sweep(now: last.addingTimeInterval(250)).resolved.count == 1)
        #expect(try store.states().first?.resolvedAt == last.addingTimeInterval(240))
    }

    @Test func aBacklogConsumedLateDoesNotExpireAlertsThatWereFreshWhenSent() async throws {
        let (store, sweeper, _) = try world()
        // Klaxon was down: pushes made 10 minutes ago are consumed now; each is 4 minutes from
        // its own send, counted from when it is consumed.
        for minute in 0...2 {
            let sent = t0.addingTimeInterval(Double(minute) * 60)
            try store.apply(try reports(prometheus(at: sent), at: sent, lag: 600 - Double(minute) * 60))
        }
        let consumed = t0.addingTimeInterval(600)
        #expect(try store.states().map(\.status) == [.firing])
        #expect(try await sweeper.sweep(now: consumed.addingTimeInterval(200)).resolved.isEmpty)
        #expect(try await sweeper.sweep(now: consumed.addingTimeInterval(241)).resolved.count == 1)
    }

    @Test func anEndsAtInThePastResolvesAtOnce() async throws {
        let (store, _, _) = try world()
        try store.apply(try reports(firing, at: t0))
        // Prometheus sends the alert with endsAt = when the rule stopped firing.
        let ended = #"[{"labels": {"alertname": "HighLatency", "team": "web"}, "startsAt": "2027-01-15T08:00:00Z", "endsAt": "2027-01-15T08:00:30Z"}]"#
        let result = try store.apply(try reports(ended, at: t0.addingTimeInterval(60)))
        #expect(result.changes.map(\.status) == [.resolved])
        #expect(try store.states().first?.resolvedAt == t0.addingTimeInterval(30))
    }

    /// What Alertmanager's webhook sends for a firing alert: Go's zero time as `endsAt`.
    let webhook = Data(#"""
        {"version": "4", "status": "firing", "receiver": "kafka", "alerts": [{"status": "firing",
         "labels": {"alertname": "DiskFull", "instance": "db-1"}, "startsAt": "2027-01-15T08:00:00Z", "endsAt": "0001-01-01T00:00:00Z"}]}
        """#.utf8)

    @Test func webhooksFromKafkaEndOnlyByAResolvedReportOrTheSourceTimeout() async throws {
        let (store, sweeper, _) = try world()
        try store.apply(try decoded([webhook], producedAt: t0, consumedAt: t0))
        #expect(store.unresolvedActivity().first?.expiresAfter == nil)
        // Alertmanager re-sends a webhook only every repeat_interval: no default timeout.
        #expect(try await sweeper.sweep(now: t0.addingTimeInterval(86_400)).resolved.isEmpty)

        let (timed, timedSweeper, _) = try world("lifecycle:\n  resolve_timeout:\n    alertmanager: 5h\n")
        try timed.apply(try decoded([webhook], producedAt: t0, consumedAt: t0))
        #expect(try await timedSweeper.sweep(now: t0.addingTimeInterval(5 * 3600 - 1)).resolved.isEmpty)
        #expect(try await timedSweeper.sweep(now: t0.addingTimeInterval(5 * 3600)).resolved.count == 1)
    }
}
