import Foundation
import KlaxonKafka
import Logging

extension EmbeddedBroker {
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
