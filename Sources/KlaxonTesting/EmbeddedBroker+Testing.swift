import Foundation
import KlaxonKafka
import KlaxonStore
import Logging

extension EmbeddedBroker {
    /// A broker made, and `setup` run on it, off the cooperative pool: creating a topic waits
    /// for the mock cluster's thread, and with a whole test run starting fixtures at once those
    /// waits held the pool's two threads while in-process HTTP servers waited for them.
    public static func started(
        topics: [String] = [], partitions: Int32 = 1, setup: @escaping @Sendable (EmbeddedBroker) throws -> Void = { _ in }
    ) async throws -> EmbeddedBroker {
        try await OffPool("klaxon.test.broker").run {
            let broker = try EmbeddedBroker(topics: topics, partitions: partitions)
            try setup(broker)
            return broker
        }
    }

    /// A producer on this broker (idempotent, acks=all: `KafkaProducer`'s defaults). The caller
    /// must `await close()` it; `withProducer` does that.
    public func producer(logger: Logger = Logger(label: "test")) throws -> KafkaProducer {
        try KafkaProducer(properties: ["bootstrap.servers": bootstrapServers], logger: logger)
    }

    /// Runs `body` with a new producer on this broker, then closes it (awaited) whether `body`
    /// threw or not. The broker lives at least until the producer is closed.
    public func withProducer<T>(
        logger: Logger = Logger(label: "test"), isolation: isolated (any Actor)? = #isolation,
        _ body: (KafkaProducer) async throws -> T
    ) async throws -> T {
        defer { withExtendedLifetime(self) {} }
        return try await producer(logger: logger).use(body)
    }

    /// Reads `topic` from the beginning with a fresh consumer group until `count` records
    /// arrived or `timeout` passes; returns what arrived (the caller asserts the count).
    public func readAll(
        _ topic: String, expecting count: Int, timeout: Duration = .seconds(30), logger: Logger = Logger(label: "test")
    ) async throws -> [KafkaRecord] {
        let consumer = try KafkaConsumer(
            properties: ["bootstrap.servers": bootstrapServers, "group.id": "reader-\(UUID().uuidString.prefix(8))"],
            topics: [topic], logger: logger)
        var records: [KafkaRecord] = []
        let end = ContinuousClock.now + timeout
        while records.count < count && ContinuousClock.now < end {
            do { records += try await consumer.poll(maxRecords: 100, maxWait: .milliseconds(200)) } catch {
                await consumer.close()
                throw error
            }
        }
        await consumer.close()
        return records
    }
}
