import Foundation
import KlaxonCore
import KlaxonKafka
@testable import KlaxonService
import KlaxonStore
import KlaxonTesting
import Logging
import Testing

/// A group owner's `notified` commands for other instances' alerts (issue #14, step 4) are
/// queued in the flush's transaction and produced by the state stage's hand-off, in its Kafka
/// transaction: a crash between the flush and the hand-off loses none, an aborted hand-off
/// keeps them for the next, and a committed one clears them.
@Suite struct OwnerNoticesTests {
    let logger = Logger(label: "test")
    let settings = KafkaSettings()
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func notice(_ name: String) -> AlertCommand {
        AlertCommand(
            id: "pager/{}:{team=\"\(name)\"}/webhook", action: .notified, fingerprint: Fingerprint(labels: ["alertname": name]), actor: "pager",
            issuedAt: t0, target: "pager/webhook", instanceStart: t0.addingTimeInterval(-40))
    }

    @Test func noticesQueuedByAFlushOutliveTheProcessAndLeaveWithTheCommittedHandOff() async throws {
        let partitioner = StatePartitioner(partitions: 4)
        let broker = try EmbeddedBroker(topics: [settings.changelogTopic, settings.alertsTopic], partitions: 4)
        let dir = NSTemporaryDirectory() + "klaxon-notices-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sent = ["a", "b", "c"].map(notice)
        do {
            let store = try AlertStore(database: try StateDatabase(path: dir + "/s.db"))
            try store.recordFlush([], log: [:], notices: sent, at: t0)
        }
        // Opened again, as after a crash before any hand-off.
        let database = try StateDatabase(path: dir + "/s.db")
        let queue = OwnerNotices(database: database)
        #expect(try queue.take().map(\.fingerprint) == sent.map(\.fingerprint))

        let bootstrap = ["bootstrap.servers": broker.bootstrapServers]
        let txn = try KafkaTransactionalProducer(properties: bootstrap, transactionalID: "notices-test", logger: logger)
        let consumer = try KafkaConsumer(properties: bootstrap.merging(["group.id": "state"]) { a, _ in a }, topics: [settings.alertsTopic], logger: logger)
        let changelog = StateChangelog(
            topic: settings.changelogTopic, partitioner: partitioner, producer: txn, store: try AlertStore(database: database),
            lifecycle: LifecycleChangelog(database: database), outbox: Outbox(database: database),
            notificationLog: NotificationLogChangelog(database: database), readerProperties: bootstrap,
            ownerNotices: (queue, settings.alertsTopic), logger: logger)
        let outcome = await capture {
            #expect(try await changelog.start())
            #expect(changelog.noticesWaiting)

            // A hand-off the broker refuses keeps them for the next one.
            broker.failNext(.addPartitionsToTxn, with: [KafkaError.Code.topicAuthorizationFailed])
            let refused = try await changelog.handOff(consuming: [], from: consumer, assigned: [:])
            guard case .aborted = refused else {
                Issue.record("expected an abort, got \(refused)")
                return
            }
            #expect(changelog.noticesWaiting, "an aborted hand-off keeps the notices")

            let committed = try await changelog.handOff(consuming: [], from: consumer, assigned: [:])
            guard case .committed = committed else {
                Issue.record("expected a commit, got \(committed)")
                return
            }
            #expect(!changelog.noticesWaiting, "a committed hand-off clears them")
        }
        await consumer.close()
        await txn.close()
        try outcome.get()

        // On the alerts topic, each once (the aborted attempt is not read committed), on its alert's partition.
        let reader = try KafkaConsumer(
            properties: bootstrap.merging(["group.id": "reader", "auto.offset.reset": "earliest", "isolation.level": "read_committed"]) { a, _ in a },
            topics: [settings.alertsTopic], logger: logger)
        var records: [KafkaRecord] = []
        let read = await capture {
            try await eventually("the notices are on the alerts topic") {
                records += try await reader.poll(maxRecords: 100, maxWait: .milliseconds(200))
                return records.count >= sent.count
            }
        }
        await reader.close()
        try read.get()
        #expect(records.count == sent.count)
        for r in records {
            let command = try AlertCommand.decode(r.value)
            #expect(sent.contains(command))
            #expect(r.partition == partitioner.partition(of: command.fingerprint))
        }
    }
}
