import Foundation
import KlaxonKafka
import Logging

/// Pieces shared by the transaction tests: clients on a broker, input to consume, and a reader
/// that collects a topic as a given isolation level sees it.
///
/// The broker is an `EmbeddedBroker`, unless `KLAXON_KAFKA_BOOTSTRAP` names a real Kafka (e.g.
/// `localhost:9092` from docker-compose.yml): then topics, groups and transactional ids get a
/// unique suffix, topics are auto-created with the broker's default partition count, and the
/// checks the mock broker cannot pass are strict.
struct TransactionFixture {
    static let externalBootstrap = ProcessInfo.processInfo.environment["KLAXON_KAFKA_BOOTSTRAP"].flatMap { $0.isEmpty ? nil : $0 }
    static var usesEmbeddedBroker: Bool { externalBootstrap == nil }

    /// nil on a real Kafka.
    let broker: EmbeddedBroker?
    let bootstrap: String
    private let suffix: String
    let logger = Logger(label: "test")

    init(topics: [String], partitions: Int32) throws {
        if let external = Self.externalBootstrap {
            broker = nil
            bootstrap = external
            suffix = "-" + UUID().uuidString.prefix(8).lowercased()
        } else {
            let embedded = try EmbeddedBroker(topics: topics, partitions: partitions)
            broker = embedded
            bootstrap = embedded.bootstrapServers
            suffix = ""
        }
    }

    /// True when the broker keeps no transaction outcome (see docs/kafka-transactions.md).
    var brokerKeepsNoTransactionOutcome: Bool { broker != nil }

    /// The real name of a topic, group or transactional id of this test.
    func name(_ logical: String) -> String { logical + suffix }

    /// `max.poll.interval.ms` is 60 s: a loop that stalls longer leaves the group and, since the
    /// embedded broker keeps no transactional offsets, re-reads its input on rejoining — not
    /// what these tests look at. In the full suite on 2 cores a loop stalled past 10 s.
    func consumer(group: String, topics: [String], isolation: String = "read_committed") throws -> KafkaConsumer {
        try KafkaConsumer(
            properties: [
                "bootstrap.servers": bootstrap, "group.id": name(group), "isolation.level": isolation,
                "session.timeout.ms": "6000", "heartbeat.interval.ms": "500", "max.poll.interval.ms": "60000",
            ],
            topics: topics.map(name), logger: logger)
    }

    func transactionalProducer(id: String) throws -> KafkaTransactionalProducer {
        try KafkaTransactionalProducer(properties: ["bootstrap.servers": bootstrap], transactionalID: name(id), logger: logger)
    }

    /// Writes `count` plain (non-transactional) records `in-0` … to `topic`, keyed so that they
    /// spread over the partitions.
    func produceInput(_ topic: String, count: Int) async throws {
        let producer = try KafkaProducer(properties: ["bootstrap.servers": bootstrap], logger: logger)
        _ = try await producer.use { producer in try await producer.sendAll(topic: name(topic), (0..<count).map { KafkaMessage(key: Data("k\($0)".utf8), value: Data("in-\($0)".utf8)) }) }
    }

    /// Everything in `topic` as a fresh group at `isolation` sees it: read until at least
    /// `count` values arrived and the reader has caught up with the end of every partition (so
    /// extra records would be seen too), or until 30 s passed.
    func readAll(_ topic: String, isolation: String, expecting count: Int) async throws -> [String] {
        let reader = try consumer(group: "reader-\(UUID().uuidString)", topics: [topic], isolation: isolation)
        var values: [String] = []
        let end = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < end {
            let batch = try await reader.poll(maxRecords: 100, maxWait: .milliseconds(200))
            values += batch.map { String(decoding: $0.value, as: UTF8.self) }
            let lag = reader.lag()
            if values.count >= count && !lag.isEmpty && lag.values.allSatisfy({ $0 == 0 }) { break }
        }
        await reader.close()
        return values
    }

    /// Polls until `count` records arrived or 30 s passed.
    func drain(_ consumer: KafkaConsumer, count: Int) async throws -> [KafkaRecord] {
        var got: [KafkaRecord] = []
        let end = ContinuousClock.now + .seconds(30)
        while got.count < count && ContinuousClock.now < end {
            got += try await consumer.poll(maxRecords: 100, maxWait: .milliseconds(200))
        }
        return got
    }
}

/// The transform of the test stage: the input value upper-cased, under the input's key.
func transformed(_ records: [KafkaRecord]) -> [KafkaMessage] {
    records.map { KafkaMessage(key: $0.key, value: Data(String(decoding: $0.value, as: UTF8.self).uppercased().utf8)) }
}
