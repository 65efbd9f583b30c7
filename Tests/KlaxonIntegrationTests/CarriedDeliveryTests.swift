import Foundation
import KlaxonCore
import KlaxonKafka
import KlaxonStore
import KlaxonTesting
import Testing

/// A notification carried to the state changelog while pending exists on two instances once
/// its partition moves (issue #14): the old owner's file, and the new owner, which restored it.
/// The new owner sends it; the old one holds its copy and takes the outcome from the changelog.
@Suite(.serialized, .stopsServers) struct CarriedDeliveryTests {
    typealias Instance = ControlTopicTests.Instance

    @Test func aNotificationWaitingWhenItsPartitionMovesIsSentOnceByTheNewOwner() async throws {
        let f = try await ServiceFixture(partitions: 2)
        try await f.run { f in
            try await ClusterLane.exclusive {
                try f.writeConfig()
                // Retries every second at most and no breaker: the receiver's recovery is seen at once.
                let config = try String(contentsOf: f.configFile, encoding: .utf8)
                try (config + "\ndelivery:\n  retry: {initial: 200ms, maximum: 1s, max_attempts: 1000}\n  breaker: {failures: 100000}\n")
                    .write(to: f.configFile, atomically: true, encoding: .utf8)
                let producer = try f.producer()
                let (one, two) = (try Instance("one", f), try Instance("two", f))
                try one.start(f)
                let outcome = await capture { try await moved(f, producer, one, two) }
                try await one.stop()
                try await two.stop()
                try outcome.get()
            }
        }
    }

    func metric(_ i: Instance, _ name: String) async -> Double? {
        guard let (status, body) = try? await HTTP.call("GET", i.base + "/metrics"), status == 200 else { return nil }
        return Prometheus.samples(String(decoding: body, as: UTF8.self)).first { $0.name == name }?.value
    }

    /// The webhook requests per idempotency key.
    func sentKeys(_ f: ServiceFixture) -> [String: Int] {
        Dictionary(grouping: f.recorder.received.compactMap { $0.headers["idempotency-key"] }, by: { $0 }).mapValues(\.count)
    }

    func moved(_ f: ServiceFixture, _ producer: KafkaProducer, _ one: Instance, _ two: Instance) async throws {
        try await eventually("one ready", watching: one.process!) { (try? await HTTP.call("GET", one.base + "/readyz"))?.0 == 200 }
        f.recorder.setMode(.status(503))
        // One alert on each alerts partition: whichever half moves, some notifications move.
        let alerts = GroupHandOverTests.onePerPartition()
        for (k, a) in alerts.enumerated() { try await producer.send(topic: ServiceFixture.scans, value: a.payload, partition: Int32(k % 2)) }
        let oneOutbox = Outbox(database: try StateDatabase(path: one.state))
        func pager(_ o: Outbox) throws -> [OutboxEntry] { try o.entries().filter { $0.receiver == "pager" } }
        try await eventually("one queued every notification and carried it", watching: one.process!) {
            let rows = try pager(oneOutbox)
            guard rows.count == alerts.count, rows.allSatisfy({ $0.attempts > 0 }) else { return false }
            // The file receiver's rows are carried too when a hand-off finds them pending.
            return try await StateChangelogTests().changelogValues(f) { $0.starts(with: Data("outbox/pager/".utf8)) }.count == alerts.count
        }

        // Two joins and takes half the partitions, with their notifications, from the changelog.
        try two.start(f)
        try await eventually("each instance owns half the partitions", watching: two.process!) {
            [await metric(one, "klaxon_state_owned_partitions"), await metric(two, "klaxon_state_owned_partitions")] == [6, 6]
        }
        let twoOutbox = Outbox(database: try StateDatabase(path: two.state))
        try await eventually("two restored the moved notifications", watching: two.process!) { try pager(twoOutbox).count == 6 }
        f.recorder.setMode(.ok)

        // Each sent once: one's copies of the moved ones end delivered by the owner's word.
        // (Shorter than the hold: a copy still waiting here would be sent after it.)
        try await eventually("every notification reached the receiver", watching: two.process!, timeout: .seconds(30)) {
            sentKeys(f).count == alerts.count
        }
        try await eventually("one's copies of the moved ones are delivered, by the owner's outcome", watching: one.process!, timeout: .seconds(30)) {
            try pager(oneOutbox).allSatisfy { $0.status == .delivered }
        }
        try await one.settled()
        try await two.settled()
        let twice = sentKeys(f).filter { $0.value > 1 }
        #expect(twice.isEmpty, "sent more than once: \(twice)")
        let sentByOne = try pager(oneOutbox).filter { row in try oneOutbox.attempts(of: row.id).contains { $0.outcome == "delivered" } }
        #expect(sentByOne.count == 6, "one sent the 6 it kept, and only those")
    }
}
