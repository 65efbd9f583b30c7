import Foundation
import KlaxonKafka
import KlaxonTesting
import Logging
import Synchronization
import Testing

/// Producer → embedded broker → consumer over real loopback TCP.
@Suite(.serialized) struct KafkaRoundTripTests {
    let logger = Logger(label: "test")

    func consumerProps(_ broker: EmbeddedBroker, group: String) -> [String: String] {
        [
            "bootstrap.servers": broker.bootstrapServers, "group.id": group,
            "session.timeout.ms": "6000", "heartbeat.interval.ms": "500",
        ]
    }

    /// Polls until `count` records arrived or `deadline` passes.
    func drain(_ consumer: KafkaConsumer, count: Int, within deadline: Duration = .seconds(30)) async throws -> [KafkaRecord] {
        var got: [KafkaRecord] = []
        let end = ContinuousClock.now + deadline
        while got.count < count && ContinuousClock.now < end {
            got += try await consumer.poll(maxRecords: 100, maxWait: .milliseconds(200))
        }
        return got
    }

    @Test func producedRecordsArriveWithKeyHeadersAndOffsets() async throws {
        let broker = try EmbeddedBroker(topics: ["scans"], partitions: 2)
        let producer = try KafkaProducer(properties: ["bootstrap.servers": broker.bootstrapServers], logger: logger)
        let reports = try await producer.use { producer in
            var reports: [KafkaDeliveryReport] = []
            for i in 0..<6 {
                reports.append(try await producer.send(
                    topic: "scans", key: Data("k\(i % 2)".utf8), value: Data("v\(i)".utf8),
                    headers: [KafkaHeader("env", "prod"), KafkaHeader(name: "empty", value: nil)]))
            }
            return reports
        }
        #expect(Set(reports.map(\.topic)) == ["scans"])
        // Same key, same partition: keys k0 and k1 each land in one partition.
        #expect(Set(reports.enumerated().filter { $0.offset % 2 == 0 }.map(\.element.partition)).count == 1)

        let consumer = try KafkaConsumer(properties: consumerProps(broker, group: "g1"), topics: ["scans"], logger: logger)
        let records = try await drain(consumer, count: 6)
        await consumer.close()
        #expect(records.count == 6)
        #expect(Set(records.map { String(decoding: $0.value, as: UTF8.self) }) == Set((0..<6).map { "v\($0)" }))
        let first = try #require(records.first)
        #expect(first.header("env") == "prod")
        #expect(first.headers.contains(KafkaHeader(name: "empty", value: nil)))
        #expect(first.key.map { String(decoding: $0, as: UTF8.self) }?.hasPrefix("k") == true)
        #expect(first.timestamp != nil)
    }

    @Test func sendAllPutsEachMessageOnThePartitionItNames() async throws {
        // What the ingest stage relies on: a record split for partition p of klaxon.alerts lands there,
        // whatever its key, in the order sent.
        let broker = try EmbeddedBroker(topics: ["alerts"], partitions: 4)
        let producer = try KafkaProducer(properties: ["bootstrap.servers": broker.bootstrapServers], logger: logger)
        let messages = (0..<40).map { i in KafkaMessage(key: Data("same".utf8), value: Data("\(i)".utf8), partition: Int32((i * 7) % 4)) }
        let reports = try await producer.use { try await $0.sendAll(topic: "alerts", messages) }
        #expect(reports.map(\.partition) == messages.map(\.partition!))
        let consumer = try KafkaConsumer(properties: consumerProps(broker, group: "gp"), topics: ["alerts"], logger: logger)
        let records = try await drain(consumer, count: 40)
        await consumer.close()
        #expect(records.count == 40)
        for r in records { #expect(Int32((Int(String(decoding: r.value, as: UTF8.self))! * 7) % 4) == r.partition) }
        for p in Int32(0)..<4 {
            let values = records.filter { $0.partition == p }.map { Int(String(decoding: $0.value, as: UTF8.self))! }
            #expect(values == values.sorted() && !values.isEmpty)
        }
    }

    @Test func aNewMemberResumesFromCommittedOffsetsOnly() async throws {
        let broker = try EmbeddedBroker(topics: ["events"], partitions: 1)
        let producer = try KafkaProducer(properties: ["bootstrap.servers": broker.bootstrapServers], logger: logger)
        try await producer.use { producer in
            for i in 0..<4 { try await producer.send(topic: "events", value: Data("a\(i)".utf8)) }
        }

        let c1 = try KafkaConsumer(properties: consumerProps(broker, group: "g"), topics: ["events"], logger: logger)
        let firstRead = try await drain(c1, count: 4)
        #expect(firstRead.count == 4)
        // Commit only the first two: the other two were "not durably handled".
        try await c1.commit(KafkaOffset.after(firstRead.filter { $0.offset < 2 }))
        await c1.close()

        let c2 = try KafkaConsumer(properties: consumerProps(broker, group: "g"), topics: ["events"], logger: logger)
        let again = try await drain(c2, count: 2)
        await c2.close()
        #expect(again.map(\.offset) == [2, 3])
        #expect(again.map { String(decoding: $0.value, as: UTF8.self) } == ["a2", "a3"])
    }

    @Test func misconfiguredClientIsASwiftError() {
        #expect(throws: KafkaError.self) {
            _ = try KafkaProducer(properties: ["no.such.property": "1"], logger: logger)
        }
        #expect(throws: KafkaError.self) {
            _ = try KafkaConsumer(properties: ["bootstrap.servers": "127.0.0.1:1"], topics: ["x"], logger: logger)
        }
    }

    @Test func offsetsAfterTakeTheHighestPerPartition() {
        let recs = [3, 1, 7].map { KafkaRecord(topic: "t", partition: 0, offset: Int64($0), value: Data()) }
            + [KafkaRecord(topic: "t", partition: 1, offset: 0, value: Data())]
        #expect(KafkaOffset.after(recs) == [
            KafkaOffset(topic: "t", partition: 0, offset: 8), KafkaOffset(topic: "t", partition: 1, offset: 1),
        ])
    }

    @Test func batchesArriveAsAnAsyncSequenceThatEndsWhenTheTaskIsCancelled() async throws {
        let broker = try EmbeddedBroker(topics: ["seq"], partitions: 1)
        let producer = try KafkaProducer(properties: ["bootstrap.servers": broker.bootstrapServers], logger: logger)
        _ = try await producer.use { try await $0.sendAll(topic: "seq", (0..<25).map { KafkaMessage(value: Data("m\($0)".utf8)) }) }
        let consumer = try KafkaConsumer(properties: consumerProps(broker, group: "seq"), topics: ["seq"], logger: logger)
        let committed = Mutex(false)
        let reader = Task {
            var seen: [Int64] = []
            var sizes: [Int] = []
            for try await batch in consumer.batches(maxRecords: 10, maxWait: .milliseconds(100)) {
                sizes.append(batch.count)
                seen += batch.map(\.offset)
                if seen.count >= 25 {
                    try await consumer.commit(KafkaOffset.after(batch))
                    committed.withLock { $0 = true }
                }
            }
            return (seen, sizes)
        }
        // Cancelled once everything was read (or after a deadline): the sequence must end then.
        let read = await capture { try await eventually("25 records read and committed", timeout: .seconds(30)) { committed.withLock { $0 } } }
        reader.cancel()
        let (seen, sizes) = try await reader.value
        try read.get()
        await consumer.close()
        #expect(seen == Array(0..<25))
        #expect(sizes.allSatisfy { $0 > 0 && $0 <= 10 }, "batches are never empty and never over maxRecords: \(sizes)")
    }

    @Test func aJoiningMemberTakesPartitionsWithoutReReadingWhatWasCommitted() async throws {
        let broker = try EmbeddedBroker(topics: ["split"], partitions: 4)
        let producer = try KafkaProducer(properties: ["bootstrap.servers": broker.bootstrapServers], logger: logger)
        try await producer.use { producer in
            func produce(_ range: Range<Int>) async throws {
                for i in range { try await producer.send(topic: "split", key: Data("k\(i)".utf8), value: Data("\(i)".utf8)) }
            }
            try await produce(0..<20)
            let a = try KafkaConsumer(properties: consumerProps(broker, group: "split"), topics: ["split"], logger: logger)
            let first = try await drain(a, count: 20)
            try await a.commit(KafkaOffset.after(first))
            #expect(a.assignment.count == 4)

            // A second member joins: the group rebalances and each member gets two partitions.
            let b = try KafkaConsumer(properties: consumerProps(broker, group: "split"), topics: ["split"], logger: logger)
            var early: [KafkaRecord] = []
            let settle = ContinuousClock.now + .seconds(40)
            while !(a.assignment.count == 2 && b.assignment.count == 2) && ContinuousClock.now < settle {
                for c in [a, b] { early += try await c.poll(maxRecords: 100, maxWait: .milliseconds(100)) }
            }
            #expect(early.isEmpty, "nothing committed is read again during the rebalance")
            try await produce(20..<40)
            var seen: [String] = []
            let end = ContinuousClock.now + .seconds(40)
            while seen.count < 20 && ContinuousClock.now < end {
                for c in [a, b] {
                    let batch = try await c.poll(maxRecords: 100, maxWait: .milliseconds(100))
                    seen += batch.map { String(decoding: $0.value, as: UTF8.self) }
                    try await c.commit(KafkaOffset.after(batch))
                }
            }
            #expect(a.assignment.count == 2 && b.assignment.count == 2)
            #expect(a.assignment.isDisjoint(with: b.assignment))
            await a.close()
            await b.close()
            #expect(Set(seen) == Set((20..<40).map(String.init)), "only the new messages, each once")
            #expect(seen.count == 20)
        }
    }
}
