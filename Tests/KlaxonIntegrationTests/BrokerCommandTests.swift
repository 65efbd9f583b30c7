import Foundation
import KlaxonKafka
import KlaxonTesting
import Logging
import Testing

/// `klaxon broker --port N`: a fixed bootstrap address that Kafka clients use end to end.
@Suite struct BrokerCommandTests {
    @Test func aFixedPortCarriesProduceAndConsume() async throws {
        let ws = try Workspace("broker")
        let port = try freePort()
        let broker = try ChildProcess(Tools.klaxon, ["broker", "--port", "\(port)", "--topics", "events", "--partitions", "1"], in: ws.dir)
        try await eventually("the broker prints its address") { broker.stdout.contains("\n") }
        let address = broker.stdout.split(separator: "\n").first.map(String.init)
        #expect(address == "127.0.0.1:\(port)")

        let logger = Logger(label: "test")
        let producer = try KafkaProducer(properties: ["bootstrap.servers": "127.0.0.1:\(port)"], logger: logger)
        try await producer.send(topic: "events", value: Data("hello".utf8))
        await producer.close()
        let consumer = try KafkaConsumer(
            properties: ["bootstrap.servers": "127.0.0.1:\(port)", "group.id": "reader-\(UUID().uuidString.prefix(8))"],
            topics: ["events"], logger: logger)
        var records: [KafkaRecord] = []
        try await eventually("the message is read back") {
            records += try await consumer.poll(maxRecords: 10, maxWait: .milliseconds(200))
            return !records.isEmpty
        }
        await consumer.close()
        #expect(records.map { String(decoding: $0.value, as: UTF8.self) } == ["hello"])

        // The port is now taken: a second broker on it fails at once, naming it.
        let (status, out, err) = try await ChildProcess.run(Tools.klaxon, ["broker", "--port", "\(port)"], in: ws.dir)
        #expect(status == 1 && out.isEmpty)
        #expect(err.hasPrefix("klaxon: error: cannot listen on 127.0.0.1:\(port): "), "\(err)")
        #expect(try await broker.stop() == 0)
    }

    @Test func aPortOutOfRangeIsRefused() async throws {
        let (status, _, err) = try await ChildProcess.run(Tools.klaxon, ["broker", "--port", "70000"], in: Tools.packageRoot)
        #expect(status != 0)
        #expect(err.hasPrefix("klaxon: error: --port must be 1-65535, got 70000"), "\(err)")
    }
}
