import Foundation
import KlaxonKafka
import Testing

/// `KafkaTransactionalProducer.handOff`: one stage turn with librdkafka's recovery rules applied.
@Suite(.serialized) struct KafkaHandOffTests {
    /// A stage over `in` with its consumer and producer, for the tests below.
    struct Stage {
        let fx: TransactionFixture
        let consumer: KafkaConsumer
        let producer: KafkaTransactionalProducer

        init(input: Int) async throws {
            fx = try TransactionFixture(topics: ["in", "upper", "audit"], partitions: 1)
            try await fx.produceInput("in", count: input)
            consumer = try fx.consumer(group: "stage", topics: ["in"])
            producer = try fx.transactionalProducer(id: "stage-0")
            try await producer.initTransactions()
        }

        func outputs(_ batch: [KafkaRecord]) -> [KafkaOutgoing] {
            transformed(batch).map { KafkaOutgoing(topic: fx.name("upper"), message: $0) }
                + batch.map { KafkaOutgoing(topic: fx.name("audit"), message: KafkaMessage(value: Data("seen-\($0.offset)".utf8))) }
        }

        func close() async {
            await consumer.close()
            await producer.close()
        }
    }

    @Test func outputsToSeveralTopicsAreCommittedTogether() async throws {
        let stage = try await Stage(input: 6)
        let batch = try await stage.fx.drain(stage.consumer, count: 6)
        let outcome = try await stage.producer.handOff(stage.outputs(batch), consuming: batch, from: stage.consumer)
        guard case .committed = outcome else { Issue.record("expected a commit, got \(outcome)"); return }
        await stage.close()
        #expect(try await stage.fx.readAll("upper", isolation: "read_committed", expecting: 6).sorted() == (0..<6).map { "IN-\($0)" })
        #expect(try await stage.fx.readAll("audit", isolation: "read_committed", expecting: 6) == (0..<6).map { "seen-\($0)" })
    }

    @Test(.enabled(if: TransactionFixture.usesEmbeddedBroker, "injects broker answers"))
    func refusedOffsetsAbortRewindAndTheNextTurnCommits() async throws {
        let stage = try await Stage(input: 4)
        let broker = try #require(stage.fx.broker)
        let batch = try await stage.fx.drain(stage.consumer, count: 4)
        broker.failNext(.txnOffsetCommit, with: [KafkaError.Code.groupAuthorizationFailed])
        let outcome = try await stage.producer.handOff(stage.outputs(batch), consuming: batch, from: stage.consumer)
        guard case .aborted(let reason) = outcome else { Issue.record("expected an abort, got \(outcome)"); return }
        #expect(reason.requiresAbort, "\(reason)")
        let again = try await stage.fx.drain(stage.consumer, count: 4)
        #expect(again.map(\.offset) == batch.map(\.offset), "rewound to the committed offsets")
        let retry = try await stage.producer.handOff(stage.outputs(again), consuming: again, from: stage.consumer)
        guard case .committed = retry else { Issue.record("expected a commit, got \(retry)"); return }
        await stage.close()
    }

    @Test(.enabled(if: TransactionFixture.usesEmbeddedBroker, "injects broker answers"))
    func aRecordTheBrokerRefusesAbortsTheTurn() async throws {
        let stage = try await Stage(input: 2)
        let broker = try #require(stage.fx.broker)
        let batch = try await stage.fx.drain(stage.consumer, count: 2)
        broker.failNext(.produce, with: [KafkaError.Code.topicAuthorizationFailed])
        let outcome = try await stage.producer.handOff(stage.outputs(batch), consuming: batch, from: stage.consumer)
        guard case .aborted = outcome else { Issue.record("expected an abort, got \(outcome)"); return }
        let again = try await stage.fx.drain(stage.consumer, count: 2)
        #expect(again.map(\.offset) == batch.map(\.offset))
        await stage.close()
    }

    @Test(.enabled(if: TransactionFixture.usesEmbeddedBroker, "injects broker answers"))
    func aTimedOutCommitIsRetriedUpToTheAttemptsGiven() async throws {
        let stage = try await Stage(input: 2)
        let broker = try #require(stage.fx.broker)
        let both = try await stage.fx.drain(stage.consumer, count: 2)
        try #require(both.count == 2)
        let (first, second) = ([both[0]], [both[1]])
        broker.delayNext(.endTxn, by: .seconds(3))
        let once = try await #require(throws: KafkaError.self) {
            try await stage.producer.handOff(stage.outputs(first), consuming: first, from: stage.consumer, attempts: 1, commitTimeout: .milliseconds(200))
        }
        #expect(once.transactionRecovery == .retry, "\(once)")
        try await stage.producer.commitTransaction()  // the caller's own retry finishes it

        broker.delayNext(.endTxn, by: .seconds(3))
        let outcome = try await stage.producer.handOff(
            stage.outputs(second), consuming: second, from: stage.consumer, attempts: 100, commitTimeout: .milliseconds(200))
        guard case .committed = outcome else { Issue.record("expected a commit, got \(outcome)"); return }
        await stage.close()
        #expect(try await stage.fx.readAll("upper", isolation: "read_committed", expecting: 2).sorted() == ["IN-0", "IN-1"])
    }

    @Test(.enabled(if: TransactionFixture.usesEmbeddedBroker, "injects broker answers"))
    func aFencedProducerIsThrownNotAborted() async throws {
        let stage = try await Stage(input: 2)
        let broker = try #require(stage.fx.broker)
        let batch = try await stage.fx.drain(stage.consumer, count: 2)
        broker.failNext(.endTxn, with: [KafkaError.Code.producerFenced])
        let error = try await #require(throws: KafkaError.self) {
            try await stage.producer.handOff(stage.outputs(batch), consuming: batch, from: stage.consumer)
        }
        #expect(error.isFenced && error.transactionRecovery == .recreateProducer, "\(error)")
        await stage.close()
    }
}
