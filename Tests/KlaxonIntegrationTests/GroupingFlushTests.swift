import Foundation
import KlaxonCore
@testable import KlaxonService
@testable import KlaxonStore
import Logging
import Testing

/// A flush of big groups is written in slices, each slice's outbox rows with its groups'
/// notification-log entries: the same rows and log as one transaction, memory bounded by
/// the slice (#8).
@Suite struct GroupingFlushTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// Four groups of 30 alerts, flushed with `sliceAlerts`: outbox rows and the persisted log.
    func flush(sliceAlerts: Int) async throws -> (added: Int, rows: [OutboxEntry], log: [String: GroupScheduler.LogEntry]) {
        let path = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("klaxon-slices-\(UUID().uuidString.prefix(8))/s.db").path
        let database = try StateDatabase(path: path)
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let store = try AlertStore(database: database)
        let routing = try RoutingConfig.load(yaml: """
            route: {receiver: r, group_by: [alertname], group_wait: 0s, group_interval: 5m}
            receivers:
              - name: r
                webhook_configs: [{url: 'http://127.0.0.1:1/'}]
            """, file: "r.yml")
        let engine = GroupingEngine(
            routing: routing, integrations: ["r": [Integration(name: "webhook-0", sendResolved: true)]], store: store,
            silences: SilenceStore(database: database), noise: try NoiseGate(config: NoiseConfig(), falsePositives: FalsePositiveStore(database: database)),
            logger: Logger(label: "test"), sliceAlerts: sliceAlerts)
        let reports = (0..<120).map { i in
            let labels = ["alertname": "Rule\(i % 4)", "pod": "p\(i)", "severity": "high"]
            return AlertReport(alert: Alert(labels: labels, severity: .high, fingerprint: Fingerprint(labels: labels)), owner: "t/0", receivedAt: t0)
        }
        let result = try store.apply(BatchWrite(reports: reports))
        #expect(result.changes.count == 120)
        await engine.add(result.changes, now: t0)
        let added = try await engine.flush(now: t0)
        return (added, try Outbox(database: database).entries(), try store.notificationLog())
    }

    @Test func slicedFlushWritesTheSameRowsAndLogAsOneTransaction() async throws {
        let sliced = try await flush(sliceAlerts: 50)
        let whole = try await flush(sliceAlerts: 1_000_000)
        #expect(sliced.added == 4)
        #expect(sliced.rows.map(\.notification.alerts.count) == [30, 30, 30, 30], "every alert of each group, none lost between slices")
        #expect(Set(sliced.rows.flatMap { $0.notification.alerts.map(\.labels["pod"]) }).count == 120, "labels come from the store")
        #expect(sliced.rows.map(\.idempotencyKey).sorted() == whole.rows.map(\.idempotencyKey).sorted())
        #expect(sliced.log.count == 4)
        #expect(sliced.log.mapValues(\.firing) == whole.log.mapValues(\.firing))
    }
}
