import Foundation
import KlaxonKafka
import KlaxonTesting
import Testing

/// Bad input never blocks a partition: it lands in the dead-letter topic with its reason.
@Suite(.stopsServers) struct DeadLetterTests {
    @Test func malformedMessageIsDeadLetteredAndLaterMessagesStillFlow() async throws {
        let f = try await ServiceFixture()
        try f.writeConfig()
        let producer = try f.producer()
        let garbage = Data("{\"SchemaVersion\": 2, \"Results\": [".utf8)
        let falcoLine = try #require(
            try String(contentsOf: ServiceFixture.sample("falco-events.jsonl"), encoding: .utf8).split(separator: "\n").last)
        _ = try await producer.sendAll(topic: ServiceFixture.scans, [
            KafkaMessage(value: try Data(contentsOf: ServiceFixture.sample("trivy-shop-api.json"))),
            KafkaMessage(key: Data("k1".utf8), value: garbage, headers: [KafkaHeader("trace-id", "abc123")]),
            KafkaMessage(value: Data(falcoLine.utf8)),
        ])

        let service = try f.startService()
        try await eventually("the alerts before and after the bad message are delivered") { f.fileAlerts().count >= 5 }
        let dead = try await f.readAll(ServiceFixture.deadLetters, expecting: 1)
        #expect(try await service.stop() == 0)

        #expect(dead.count == 1)
        let letter = try #require(dead.first)
        #expect(letter.value == garbage, "original bytes are kept")
        #expect(letter.key == Data("k1".utf8))
        #expect(letter.header("trace-id") == "abc123", "original headers are kept")
        #expect(letter.header("klaxon-origin-topic") == ServiceFixture.scans)
        #expect(letter.header("klaxon-origin-partition") == "0")
        #expect(letter.header("klaxon-origin-offset") == "1")
        #expect(letter.header("klaxon-error-kind") == "decode")
        #expect((letter.header("klaxon-error") ?? "").isEmpty == false)
        let ledger = try f.store().ledger()
        #expect(ledger.filter(\.isDeadLetter).map(\.offset) == [1])
    }

    @Test func oversizedMessageIsDeadLetteredUnread() async throws {
        let f = try await ServiceFixture()
        try f.writeConfig(maxMessageBytes: 1024)
        let producer = try f.producer()
        let big = try Data(contentsOf: ServiceFixture.sample("trivy-shop-api.json"))
        #expect(big.count > 1024)
        let small = try #require(
            try String(contentsOf: ServiceFixture.sample("falco-events.jsonl"), encoding: .utf8).split(separator: "\n").first)
        _ = try await producer.sendAll(topic: ServiceFixture.runtime, [KafkaMessage(value: big), KafkaMessage(value: Data(small.utf8))])

        let service = try f.startService()
        let dead = try await f.readAll(ServiceFixture.deadLetters, expecting: 1)
        try await eventually("the small message after it is delivered") { f.fileAlerts().count >= 1 }
        #expect(try await service.stop() == 0)

        let letter = try #require(dead.first)
        #expect(letter.header("klaxon-error-kind") == "size")
        #expect(letter.header("klaxon-error")?.contains("over the 1024-byte limit") == true)
        #expect(letter.value == big)
        #expect(f.fileAlerts().count == 1)
    }
}
