import Foundation
import GRDB
import KlaxonCore
import KlaxonKafka
@testable import KlaxonService
import KlaxonStore
import KlaxonTesting
import Logging
import Testing

/// A restore from the state changelog that the broker does not answer is tried again rather
/// than stopping the service, and `/readyz` says a restore is under way (its problems are the
/// ones `KlaxonApp` puts on the probe).
@Suite struct StateRestoreTests {
    let logger = Logger(label: "test")
    let topic = KafkaSettings().changelogTopic

    func record(_ i: Int) -> AlertChangelogRecord {
        let t = Date(timeIntervalSince1970: 1_800_000_000)
        let labels = ["alertname": "Restore-\(i)", "severity": "high", "source": "trivy"]
        let alert = Alert(labels: labels, severity: .high, fingerprint: Fingerprint(labels: ["alertname": "Restore-\(i)"]), scope: "img:1")
        return AlertChangelogRecord(
            state: AlertState(alert: alert, status: .firing, firstSeenAt: t, lastSeenAt: t, occurrences: 1), owner: "scans/0", sources: "trivy",
            admitted: true)
    }

    @Test func aBrokerThatRefusesTheRestoreIsWaitedForAndReadinessSaysRestoring() async throws {
        let broker = try EmbeddedBroker(topics: [topic], partitions: 1)
        let producer = try KafkaProducer(properties: ["bootstrap.servers": broker.bootstrapServers], logger: logger)
        try await producer.use { producer in
            _ = try await producer.sendAll(topic: topic, (0..<50).map {
                KafkaMessage(key: AlertChangelogCodec.key(record($0).fingerprint), value: AlertChangelogCodec.encode(record($0)), partition: 0)
            })
        }
        let dir = NSTemporaryDirectory() + "klaxon-restore-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let database = try StateDatabase(path: dir + "/s.db")
        let store = try AlertStore(database: database)
        let txn = try KafkaTransactionalProducer(properties: ["bootstrap.servers": broker.bootstrapServers], transactionalID: "restore-test", logger: logger)
        let changelog = StateChangelog(
            topic: topic, partitioner: StatePartitioner(partitions: 1), producer: txn, store: store,
            lifecycle: LifecycleChangelog(database: database), outbox: Outbox(database: database), notificationLog: NotificationLogChangelog(database: database), readerProperties: ["bootstrap.servers": broker.bootstrapServers], restoreTimeout: .seconds(60), logger: logger)
        #expect(changelog.problems.isEmpty)

        // The reader's watermark requests are refused (three times, some perhaps for another client), then answered.
        broker.failNext(.listOffsets, with: Array(repeating: KafkaError.Code.topicAuthorizationFailed, count: 3))
        let restore = Task { try await changelog.restore([0: 1]) }
        let outcome = await capture {
            try await eventually("readiness names the restore and why its last attempt failed") {
                changelog.problems.contains { $0.hasPrefix("restoring the alert state of partitions 0 from \(topic)") && $0.contains("AUTHORIZATION") }
            }
        }
        try await restore.value
        await txn.close()
        try outcome.get()
        #expect(changelog.problems.isEmpty, "\(changelog.problems)")
        let states = try store.states()
        let rows = try await DatabaseQueue(path: dir + "/s.db").read { try Int.fetchOne($0, sql: "SELECT count(*) FROM alert") ?? -1 }
        #expect(states.count == 50, "restored \(states.count), rows \(rows): \(states.map { $0.alert.labels["alertname"] ?? "?" }.sorted())")
        #expect(!changelog.needsRestore([0: 1]))
    }
}
