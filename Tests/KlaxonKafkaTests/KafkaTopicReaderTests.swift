import Foundation
import KlaxonKafka
import KlaxonTesting
import Logging
import Testing

/// `KafkaTopicReader.assign(from:)` says where it starts reading: the given offset when the
/// partition has it, else its first retained record (`nil`) — so a restore knows how far it
/// got without working that out again. A start retention removed reads from the first record
/// still held.
@Suite struct KafkaTopicReaderTests {
    let logger = Logger(label: "test")

    func produce(_ broker: EmbeddedBroker, topic: String, count: Int, size: Int) async throws {
        let producer = try KafkaProducer(properties: ["bootstrap.servers": broker.bootstrapServers, "linger.ms": "5"], logger: logger)
        try await producer.use { producer in
            let value = Data(repeating: UInt8(ascii: "x"), count: size)
            _ = try await producer.sendAll(topic: topic, (0..<count).map { _ in KafkaMessage(value: value, partition: 0) })
        }
    }

    /// Assigns partition 0 from `start` and reads to the end it reported.
    func read(_ broker: EmbeddedBroker, topic: String, from start: Int64?) async throws -> (KafkaReadRange, [Int64]) {
        let reader = try KafkaTopicReader(properties: ["bootstrap.servers": broker.bootstrapServers], topic: topic, logger: logger)
        do {
            let range = try #require(try await reader.assign(from: [0: start])[0])
            var offsets: [Int64] = []
            let deadline = ContinuousClock.now + .seconds(30)
            while (offsets.last.map { $0 + 1 } ?? range.start ?? 0) < range.end && ContinuousClock.now < deadline {
                offsets += try await reader.poll(maxRecords: 500, maxWait: .milliseconds(200)).map(\.offset)
            }
            await reader.close()
            return (range, offsets)
        } catch {
            await reader.close()
            throw error
        }
    }

    @Test func aStartInsideThePartitionIsWhereReadingBegins() async throws {
        let broker = try EmbeddedBroker(topics: ["ten"], partitions: 1)
        try await produce(broker, topic: "ten", count: 10, size: 10)
        let (range, offsets) = try await read(broker, topic: "ten", from: 4)
        #expect(range == KafkaReadRange(start: 4, end: 10))
        #expect(offsets == Array(4..<10))
    }

    @Test func noStartOrOnePastTheEndReadsFromTheBeginning() async throws {
        let broker = try EmbeddedBroker(topics: ["anew"], partitions: 1)
        try await produce(broker, topic: "anew", count: 10, size: 10)
        for start: Int64? in [nil, 99] {
            let (range, offsets) = try await read(broker, topic: "anew", from: start)
            #expect(range == KafkaReadRange(start: nil, end: 10), "from \(String(describing: start))")
            #expect(offsets == Array(0..<10))
        }
    }

    @Test func aStartRetentionRemovedReadsFromTheFirstRecordHeld() async throws {
        let broker = try EmbeddedBroker(topics: ["trimmed"], partitions: 1)
        // ~8 MB: the embedded broker deletes the partition's oldest records past ~5 MB.
        try await produce(broker, topic: "trimmed", count: 800, size: 10_000)
        let (range, offsets) = try await read(broker, topic: "trimmed", from: 3)
        #expect(range == KafkaReadRange(start: 3, end: 800))
        let first = try #require(offsets.first)
        #expect(first > 3, "offset 3 was deleted: reading resumes at the first record held")
        #expect(offsets == Array(first..<800))
    }
}
