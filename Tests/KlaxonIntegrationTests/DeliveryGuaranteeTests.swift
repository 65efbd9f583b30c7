import Foundation
import KlaxonKafka
import KlaxonTesting
import Testing

/// At-least-once: offsets commit only after the batch's effects are durable in SQLite.
@Suite(.stopsServers) struct DeliveryGuaranteeTests {
    @Test func hardStopBeforeCommitReprocessesTheBatchAndLosesNothing() async throws {
        let f = try await ServiceFixture()
        try f.writeConfig()
        let producer = try f.producer()
        let report = try Data(contentsOf: ServiceFixture.sample("trivy-shop-api.json"))
        try await producer.send(topic: ServiceFixture.scans, value: report)

        // Run 1 dies (like kill -9) after writing state and outbox, before committing.
        let crashed = try f.startService(environment: ["KLAXON_FAILPOINT": "crash-before-commit"])
        let status = try await crashed.waitForExit()
        #expect(status == 86, "expected the failpoint exit; stderr:\n\(crashed.stderr.suffix(2000))")
        #expect(try f.store().timesSeen(topic: ServiceFixture.scans) == [0: 1])

        // Run 2 finds no committed offset and handles the same message again.
        let service = try f.startService()
        try await eventually("the re-read message is recorded twice and all 4 alerts are delivered") {
            try f.store().timesSeen(topic: ServiceFixture.scans) == [0: 2] && f.fileAlerts().count >= 4
        }
        #expect(try await service.stop() == 0)

        let fingerprints = f.fileAlerts().compactMap { $0["fingerprint"] as? String }
        #expect(Set(fingerprints).count == 4, "every alert delivered")
        #expect(fingerprints.count == 4, "the re-processed batch queued no second notification")
        let states = try f.store().states()
        #expect(states.count == 4)
        #expect(states.allSatisfy { $0.occurrences == 2 }, "the second pass counted as a duplicate report")
    }

    @Test func sigtermFinishesCommitsAndReprocessesNothing() async throws {
        let f = try await ServiceFixture()
        try f.writeConfig()
        let producer = try f.producer()
        let lines = try String(contentsOf: ServiceFixture.sample("falco-events.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { Data($0.utf8) }
        _ = try await producer.sendAll(topic: ServiceFixture.runtime, lines.prefix(2).map { KafkaMessage(value: $0) })

        let first = try f.startService()
        try await eventually("2 alerts delivered") { f.fileAlerts().count >= 2 }
        #expect(try await first.stop(signal: SIGTERM) == 0, "stderr:\n\(first.stderr.suffix(2000))")

        try await producer.send(topic: ServiceFixture.runtime, value: lines[2])
        let second = try f.startService()
        try await eventually("the third alert delivered") { f.fileAlerts().count >= 3 }
        #expect(try await second.stop(signal: SIGTERM) == 0)

        #expect(try f.store().timesSeen(topic: ServiceFixture.runtime) == [0: 1, 1: 1, 2: 1])
        #expect(f.fileAlerts().count == 3)
    }
}
