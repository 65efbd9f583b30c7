import Foundation
import KlaxonKafka
import KlaxonTesting
import Logging
import Testing

/// What is counted as a reset: a new group starting at the log start is not; a group whose
/// committed offset was deleted (the embedded broker keeps ~5 MB a partition, as retention
/// would) resumes at the log start and the reset is counted in `KafkaOffsetResets`. Each test has its own topic: the counts are per process.
@Suite(.serialized) struct KafkaOffsetResetTests {
    let logger = Logger(label: "test")

    func consumer(_ broker: EmbeddedBroker, topic: String, group: String) throws -> KafkaConsumer {
        let props = ["bootstrap.servers": broker.bootstrapServers, "group.id": group, "session.timeout.ms": "6000", "heartbeat.interval.ms": "500"]
        return try KafkaConsumer(properties: props, topics: [topic], logger: logger)
    }

    func produce(_ broker: EmbeddedBroker, topic: String, count: Int, size: Int) async throws {
        let producer = try KafkaProducer(properties: ["bootstrap.servers": broker.bootstrapServers, "linger.ms": "5"], logger: logger)
        try await producer.use { producer in
            let value = Data(repeating: UInt8(ascii: "x"), count: size)
            _ = try await producer.sendAll(topic: topic, (0..<count).map { _ in KafkaMessage(value: value) })
        }
    }

    /// Polls until `count` records arrived or 30 s passed.
    func drain(_ consumer: KafkaConsumer, count: Int) async throws -> [KafkaRecord] {
        var got: [KafkaRecord] = []
        let end = ContinuousClock.now + .seconds(30)
        while got.count < count && ContinuousClock.now < end {
            got += try await consumer.poll(maxRecords: 500, maxWait: .milliseconds(200))
        }
        return got
    }

    @Test func aNewGroupReadsFromTheBeginningAndLosesNothing() async throws {
        let broker = try EmbeddedBroker(topics: ["fresh"], partitions: 1)
        try await produce(broker, topic: "fresh", count: 10, size: 10)
        let c = try consumer(broker, topic: "fresh", group: "g")
        let records = try await drain(c, count: 10)
        await c.close()
        #expect(records.map(\.offset) == Array(0..<10))
        #expect(KafkaOffsetResets.snapshot()[TopicPartition(topic: "fresh", partition: 0)] == nil)
    }

    @Test func aResetPastDeletedRecordsIsCountedAndReadingResumesAtTheLogStart() async throws {
        let broker = try EmbeddedBroker(topics: ["behind"], partitions: 1)
        try await produce(broker, topic: "behind", count: 10, size: 10)
        let first = try consumer(broker, topic: "behind", group: "g")
        #expect(try await drain(first, count: 3).count >= 3)
        try await first.commit([KafkaOffset(topic: "behind", partition: 0, offset: 3)])
        await first.close()

        // ~8 MB more: the embedded broker deletes the partition's oldest records past ~5 MB.
        try await produce(broker, topic: "behind", count: 800, size: 10_000)
        let second = try consumer(broker, topic: "behind", group: "g")
        let records = try await drain(second, count: 1)
        await second.close()
        let start = try #require(records.first?.offset)
        #expect(start > 3, "offset 3 was deleted; reading resumes at the log start")
        #expect(KafkaOffsetResets.snapshot()[TopicPartition(topic: "behind", partition: 0)] == 1)
    }
}
