import Foundation
import KlaxonCore
@testable import KlaxonService
@testable import KlaxonStore
import Logging
import Testing

/// A group's re-flush sends every alert of the group but records a `notified` event only for
/// the alerts new or changed in it (#8), while the first notification of every instance is
/// still recorded: the SLA pass and acknowledgement routing read those.
@Suite struct GroupingHistoryTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    struct Fixture {
        let store: AlertStore
        let history: AlertHistory
        let engine: GroupingEngine
        let dir: String
    }

    func fixture() throws -> Fixture {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("klaxon-ghist-\(UUID().uuidString.prefix(8))").path
        let database = try StateDatabase(path: dir + "/s.db")
        let store = try AlertStore(database: database)
        let routing = try RoutingConfig.load(yaml: """
            route: {receiver: r, group_by: [alertname], group_wait: 0s, group_interval: 5m}
            receivers:
              - name: r
                webhook_configs: [{url: 'http://127.0.0.1:1/'}, {url: 'http://127.0.0.1:2/'}]
            """, file: "r.yml")
        let engine = GroupingEngine(
            routing: routing,
            integrations: ["r": [Integration(name: "webhook[0]", sendResolved: true), Integration(name: "webhook[1]", sendResolved: true)]],
            store: store, silences: SilenceStore(database: database),
            noise: try NoiseGate(config: NoiseConfig(), falsePositives: FalsePositiveStore(database: database)), logger: Logger(label: "test"))
        return Fixture(store: store, history: AlertHistory(database: database), engine: engine, dir: dir)
    }

    func report(_ pod: String, at t: Date) -> AlertReport {
        let labels = ["alertname": "Rule", "pod": pod, "severity": "high"]
        return AlertReport(alert: Alert(labels: labels, severity: .high, fingerprint: Fingerprint(labels: labels)), owner: "t/0", receivedAt: t)
    }

    func notified(_ f: Fixture, _ pod: String) throws -> [AlertEvent] {
        let fp = report(pod, at: t0).alert.fingerprint
        return try f.history.events(of: fp, current: nil).filter { $0.kind == .notified }
    }

    @Test func aReFlushRecordsOnlyTheAlertThatJoined() async throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(atPath: f.dir) }
        let first = try f.store.apply(BatchWrite(reports: ["a", "b", "c"].map { report($0, at: t0) }))
        await f.engine.add(first.changes, now: t0)
        #expect(try await f.engine.flush(now: t0) == 2)
        let joined = try f.store.apply(BatchWrite(reports: [report("d", at: t0.addingTimeInterval(60))]))
        await f.engine.add(joined.changes, now: t0.addingTimeInterval(60))
        #expect(try await f.engine.flush(now: t0.addingTimeInterval(300)) == 2)

        let rows = try Outbox(database: f.store.database).entries()
        #expect(rows.map(\.notification.alerts.count).sorted() == [3, 3, 4, 4], "the re-flush sends every alert of the group")
        #expect(try notified(f, "a").map(\.at) == [t0, t0], "one event per integration, from the first notification only")
        #expect(try notified(f, "d").map(\.at) == [t0.addingTimeInterval(300), t0.addingTimeInterval(300)])
        // An acknowledgement of `a` still reaches both integrations, with what they last heard.
        let targets = try f.history.notifiedTargets(of: report("a", at: t0).alert.fingerprint, since: t0)
        #expect(targets.map(\.integration) == ["webhook[0]", "webhook[1]"])
        #expect(targets.map(\.last.alerts.count) == [4, 4])
    }

    @Test func aNewInstanceTheGroupNeverSawResolveIsStillRecordedAsFirstNotified() async throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(atPath: f.dir) }
        let first = try f.store.apply(BatchWrite(reports: ["a", "b"].map { report($0, at: t0) }))
        await f.engine.add(first.changes, now: t0)
        _ = try await f.engine.flush(now: t0)
        // `a` resolves and fires again before grouping hears of it: its group only sees the new
        // instance, whose fingerprint the last notification already carried.
        let fp = report("a", at: t0).alert.fingerprint
        _ = try f.store.update(fp) { AlertLifecycle.resolve($0, at: self.t0.addingTimeInterval(100)) }
        let reopenedAt = t0.addingTimeInterval(200)
        let reopened = try f.store.apply(BatchWrite(reports: [report("a", at: reopenedAt), report("c", at: reopenedAt)]))
        #expect(reopened.changes.first { $0.alert.fingerprint == fp }?.firstSeenAt == reopenedAt)
        await f.engine.add(reopened.changes, now: reopenedAt)
        _ = try await f.engine.flush(now: t0.addingTimeInterval(300))

        #expect(try notified(f, "a").map(\.at) == [t0, t0, t0.addingTimeInterval(300), t0.addingTimeInterval(300)])
        #expect(try notified(f, "b").map(\.at) == [t0, t0], "b did not change")
        let open = try f.history.openAlerts().first { $0.fingerprint == fp }
        #expect(open?.notifiedAt == t0.addingTimeInterval(300), "the new instance's first notification")
    }
}
