import Foundation
import KlaxonKafka
import Testing

/// consume → transform → produce in Kafka transactions, against the embedded broker over TCP.
///
/// librdkafka's mock broker runs the whole transactional protocol (producer ids, coordinators,
/// AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit, EndTxn) but keeps none of its
/// outcomes: it drops offsets sent in a transaction, writes no abort markers, reports no
/// aborted transactions to `read_committed` fetches, and does not fence an older producer with
/// the same `transactional.id`. Those checks are written as they hold on Kafka and marked
/// `withKnownIssue`: they pass while the broker lacks them and fail once it has them (then the
/// marker goes). See docs/kafka-transactions.md.
@Suite(.serialized) struct KafkaTransactionTests {
    static let mockKeepsNoTransactionOutcome = Comment(
        "librdkafka's mock broker acknowledges transactions but keeps none of their outcome (docs/kafka-transactions.md)")

    @Test func aConsumeTransformProduceLoopHandsEveryRecordOnOnceWithItsOffsets() async throws {
        let n = 40
        let fx = try TransactionFixture(topics: ["raw", "upper"], partitions: 2)
        try await fx.produceInput("raw", count: n)
        let consumer = try fx.consumer(group: "upper-stage", topics: ["raw"])
        let producer = try fx.transactionalProducer(id: "upper-stage-0")
        try await producer.initTransactions()

        var handled: [KafkaRecord] = []
        var transactions = 0
        let end = ContinuousClock.now + .seconds(30)
        while handled.count < n && ContinuousClock.now < end {
            let batch = try await consumer.poll(maxRecords: 15, maxWait: .milliseconds(200))
            guard !batch.isEmpty else { continue }
            try producer.beginTransaction()
            _ = try await producer.sendAll(topic: fx.name("upper"), transformed(batch))
            try await producer.sendOffsetsToTransaction(consumer.positions(), group: consumer.groupMetadata())
            try await producer.commitTransaction()
            handled += batch
            transactions += 1
        }
        #expect(handled.count == n)
        #expect(transactions >= 2, "batches of at most 15 need several transactions")
        // The positions sent are the ends of what was handled: the offsets a restart resumes at.
        let ends = KafkaOffset.after(handled)
        #expect(consumer.positions() == ends)
        #expect(ends.map(\.offset).reduce(0, +) == Int64(n))
        await consumer.close()
        await producer.close()

        let out = try await fx.readAll("upper", isolation: "read_committed", expecting: n)
        #expect(out.sorted() == (0..<n).map { "IN-\($0)" }.sorted(), "every input once, transformed, visible to read_committed")

        let group = try fx.consumer(group: "upper-stage", topics: ["raw"])
        let committed = try await group.committed(Set(ends.map { TopicPartition(topic: $0.topic, partition: $0.partition) }))
        await group.close()
        withKnownIssue(Self.mockKeepsNoTransactionOutcome) {
            #expect(committed == ends, "the input group's committed offsets are where the loop ended")
        } when: { fx.brokerKeepsNoTransactionOutcome }
    }

    @Test func anAbortedTransactionCommitsNoOffsetsAndTheInputIsReadAgain() async throws {
        let fx = try TransactionFixture(topics: ["in", "out"], partitions: 1)
        try await fx.produceInput("in", count: 5)
        let consumer = try fx.consumer(group: "stage", topics: ["in"])
        let producer = try fx.transactionalProducer(id: "stage-0")
        try await producer.initTransactions()

        let first = try await fx.drain(consumer, count: 5)
        #expect(first.map(\.offset) == [0, 1, 2, 3, 4])
        try producer.beginTransaction()
        _ = try await producer.sendAll(topic: fx.name("out"), first.map { KafkaMessage(value: Data("aborted-\($0.offset)".utf8)) })
        try await producer.sendOffsetsToTransaction(consumer.positions(), group: consumer.groupMetadata())
        try await producer.abortTransaction()

        #expect(try await consumer.committed().isEmpty, "an aborted transaction commits no input offset")
        try await consumer.rewindToCommitted()
        let again = try await fx.drain(consumer, count: 5)
        #expect(again.map(\.offset) == [0, 1, 2, 3, 4], "after the rewind the same input comes again")

        // The producer carries on after an abort.
        try producer.beginTransaction()
        _ = try await producer.sendAll(topic: fx.name("out"), again.map { KafkaMessage(value: Data("committed-\($0.offset)".utf8)) })
        try await producer.sendOffsetsToTransaction(consumer.positions(), group: consumer.groupMetadata())
        try await producer.commitTransaction()
        await consumer.close()
        await producer.close()

        let uncommitted = try await fx.readAll("out", isolation: "read_uncommitted", expecting: 10)
        #expect(uncommitted.sorted() == ((0..<5).map { "aborted-\($0)" } + (0..<5).map { "committed-\($0)" }).sorted(),
                "read_uncommitted sees the aborted records too")
        let committed = try await fx.readAll("out", isolation: "read_committed", expecting: 5)
        withKnownIssue(Self.mockKeepsNoTransactionOutcome) {
            #expect(committed.sorted() == (0..<5).map { "committed-\($0)" }, "read_committed sees only the committed transaction")
        } when: { fx.brokerKeepsNoTransactionOutcome }
    }

    @Test func aRestartedInstanceFinishesTheWorkOfOneThatDiedMidTransaction() async throws {
        // In-process stand-in for `kill -9`: the first instance's producer and consumer go away
        // with a transaction open (records written, nothing committed).
        let n = 12
        let fx = try TransactionFixture(topics: ["in", "out"], partitions: 1)
        try await fx.produceInput("in", count: n)
        do {
            let consumer = try fx.consumer(group: "stage", topics: ["in"])
            let producer = try fx.transactionalProducer(id: "stage-0")
            try await producer.initTransactions()
            let batch = try await fx.drain(consumer, count: n)
            try producer.beginTransaction()
            _ = try await producer.sendAll(topic: fx.name("out"), transformed(batch))
            await producer.close()
            await consumer.close()
        }
        let consumer = try fx.consumer(group: "stage", topics: ["in"])
        let producer = try fx.transactionalProducer(id: "stage-0")
        try await producer.initTransactions()  // aborts what the dead instance left open
        let batch = try await fx.drain(consumer, count: n)
        #expect(batch.count == n, "nothing was committed, so the restarted instance reads all input")
        try producer.beginTransaction()
        _ = try await producer.sendAll(topic: fx.name("out"), transformed(batch))
        try await producer.sendOffsetsToTransaction(consumer.positions(), group: consumer.groupMetadata())
        try await producer.commitTransaction()
        await consumer.close()
        await producer.close()

        let everything = try await fx.readAll("out", isolation: "read_uncommitted", expecting: 2 * n)
        #expect(everything.count == 2 * n, "both instances' records are in the log")
        let visible = try await fx.readAll("out", isolation: "read_committed", expecting: n)
        withKnownIssue(Self.mockKeepsNoTransactionOutcome) {
            #expect(visible.sorted() == (0..<n).map { "IN-\($0)" }.sorted(), "exactly one copy of each output is committed")
        } when: { fx.brokerKeepsNoTransactionOutcome }
    }

    @Test func rewindReturnsToTheCommittedOffsetNotToTheStart() async throws {
        let fx = try TransactionFixture(topics: ["in"], partitions: 1)
        try await fx.produceInput("in", count: 6)
        let consumer = try fx.consumer(group: "stage", topics: ["in"])
        let all = try await fx.drain(consumer, count: 6)
        #expect(all.map(\.offset) == Array(0..<6))
        try await consumer.commit(KafkaOffset.after(all.prefix(3)))
        let tp = TopicPartition(topic: fx.name("in"), partition: 0)
        #expect(try await consumer.committed() == [KafkaOffset(topic: tp.topic, partition: 0, offset: 3)])
        #expect(consumer.positions() == [KafkaOffset(topic: tp.topic, partition: 0, offset: 6)])
        try await consumer.rewindToCommitted()
        let again = try await fx.drain(consumer, count: 3)
        await consumer.close()
        #expect(again.map(\.offset) == [3, 4, 5])
    }
}
