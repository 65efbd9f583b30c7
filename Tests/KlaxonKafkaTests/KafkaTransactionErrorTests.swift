import Foundation
import KlaxonKafka
import Testing

/// How transactional failures reach the caller: each error says whether to retry, abort and
/// rewind, or recreate the producer. The broker's answers are real protocol errors, injected
/// into the embedded broker the way librdkafka's own transaction tests do.
@Suite(.serialized) struct KafkaTransactionErrorTests {
    @Test(.enabled(if: TransactionFixture.usesEmbeddedBroker, "injects broker answers"))
    func aSlowCoordinatorMakesCommitRetriableAndTheRetryFinishesIt() async throws {
        let fx = try TransactionFixture(topics: ["out"], partitions: 1)
        let broker = try #require(fx.broker)
        let producer = try fx.transactionalProducer(id: "slow")
        try await producer.initTransactions()
        try producer.beginTransaction()
        try await producer.send(topic: fx.name("out"), value: Data("v".utf8))
        broker.delayNext(.endTxn, by: .seconds(3))
        let error = try await #require(throws: KafkaError.self) { try await producer.commitTransaction(timeout: .milliseconds(200)) }
        #expect(error.transactionRecovery == .retry, "\(error)")
        #expect(error.isRetriable && !error.isFatal && !error.requiresAbort)
        #expect(error.message.contains("retry the call"))
        try await producer.commitTransaction()  // resumes the commit still under way
        await producer.close()
        #expect(try await fx.readAll("out", isolation: "read_committed", expecting: 1) == ["v"])
    }

    @Test(.enabled(if: TransactionFixture.usesEmbeddedBroker, "injects broker answers"))
    func offsetsTheGroupCoordinatorRefusesMakeTheTransactionAbortable() async throws {
        let fx = try TransactionFixture(topics: ["in", "out"], partitions: 1)
        let broker = try #require(fx.broker)
        try await fx.produceInput("in", count: 3)
        let consumer = try fx.consumer(group: "stage", topics: ["in"])
        let producer = try fx.transactionalProducer(id: "stage-0")
        try await producer.initTransactions()
        let batch = try await fx.drain(consumer, count: 3)
        try producer.beginTransaction()
        _ = try await producer.sendAll(topic: fx.name("out"), transformed(batch))
        broker.failNext(.txnOffsetCommit, with: [KafkaError.Code.groupAuthorizationFailed])
        let error = try await #require(throws: KafkaError.self) {
            try await producer.sendOffsetsToTransaction(consumer.positions(), group: consumer.groupMetadata())
        }
        #expect(error.transactionRecovery == .abortTransaction, "\(error)")
        #expect(error.requiresAbort && !error.isFatal)
        #expect(error.message.contains("abort the transaction and rewind the consumer"))
        // Committing is refused until the transaction is aborted.
        let commit = try await #require(throws: KafkaError.self) { try await producer.commitTransaction() }
        #expect(commit.transactionRecovery == .abortTransaction, "\(commit)")

        try await producer.abortTransaction()
        try await consumer.rewindToCommitted()
        let again = try await fx.drain(consumer, count: 3)
        #expect(again.map(\.offset) == batch.map(\.offset))
        try producer.beginTransaction()
        _ = try await producer.sendAll(topic: fx.name("out"), transformed(again))
        try await producer.sendOffsetsToTransaction(consumer.positions(), group: consumer.groupMetadata())
        try await producer.commitTransaction()
        await consumer.close()
        await producer.close()
    }

    @Test(.enabled(if: TransactionFixture.usesEmbeddedBroker, "injects broker answers"))
    func aFencedProducerFailsFatallyAndEveryLaterCallSaysToRecreateIt() async throws {
        let fx = try TransactionFixture(topics: ["out"], partitions: 1)
        let broker = try #require(fx.broker)
        let old = try fx.transactionalProducer(id: "stage-0")
        try await old.initTransactions()
        try old.beginTransaction()
        try await old.send(topic: fx.name("out"), value: Data("from-old".utf8))
        // A newer instance registers the same transactional.id; the coordinator now answers the
        // old one's commit with PRODUCER_FENCED (the mock does not fence by itself; see the next
        // test).
        let new = try fx.transactionalProducer(id: "stage-0")
        try await new.initTransactions()
        broker.failNext(.endTxn, with: [KafkaError.Code.producerFenced])
        let error = try await #require(throws: KafkaError.self) { try await old.commitTransaction() }
        #expect(error.isFenced, "\(error)")
        #expect(error.isFatal && error.transactionRecovery == .recreateProducer)
        #expect(error.message.contains("a newer producer with this transactional.id took over"))
        #expect(error.message.contains("create a new one with the same transactional.id"))
        let later = try #require(throws: KafkaError.self) { try old.beginTransaction() }
        #expect(later.transactionRecovery == .recreateProducer, "\(later)")
        await old.close()

        try new.beginTransaction()
        try await new.send(topic: fx.name("out"), value: Data("from-new".utf8))
        try await new.commitTransaction()
        await new.close()
    }

    @Test func aSecondProducerWithTheSameIdFencesTheFirst() async throws {
        let fx = try TransactionFixture(topics: ["out"], partitions: 1)
        let old = try fx.transactionalProducer(id: "stage-0")
        try await old.initTransactions()
        try old.beginTransaction()
        try await old.send(topic: fx.name("out"), value: Data("from-old".utf8))
        let new = try fx.transactionalProducer(id: "stage-0")
        try await new.initTransactions()
        let outcome: Result<Void, KafkaError>
        do { try await old.commitTransaction(); outcome = .success(()) } catch let e as KafkaError { outcome = .failure(e) }
        await old.close()
        await new.close()
        withKnownIssue(KafkaTransactionTests.mockKeepsNoTransactionOutcome) {
            guard case .failure(let e) = outcome else {
                Issue.record("the older producer committed after a newer one registered the same transactional.id")
                return
            }
            #expect(e.isFenced && e.transactionRecovery == .recreateProducer, "\(e)")
        } when: { fx.brokerKeepsNoTransactionOutcome }
    }

    @Test func sendingOutsideATransactionIsRefused() async throws {
        let fx = try TransactionFixture(topics: ["out"], partitions: 1)
        let producer = try fx.transactionalProducer(id: "strict")
        #expect(throws: KafkaError.self, "a transaction before initTransactions") { try producer.beginTransaction() }
        try await producer.initTransactions()
        await #expect(throws: KafkaError.self, "a record outside a transaction") {
            try await producer.send(topic: fx.name("out"), value: Data("stray".utf8))
        }
        try producer.beginTransaction()
        try await producer.send(topic: fx.name("out"), value: Data("inside".utf8))
        try await producer.commitTransaction()
        await #expect(throws: KafkaError.self, "a second commit") { try await producer.commitTransaction() }
        await producer.close()
    }

    @Test func transactionalAndIsolationSettingsAreCheckedUpFront() async throws {
        let fx = try TransactionFixture(topics: [], partitions: 1)
        let bootstrap = fx.bootstrap
        #expect(throws: KafkaError.self) {
            _ = try KafkaTransactionalProducer(properties: ["bootstrap.servers": bootstrap], transactionalID: "", logger: fx.logger)
        }
        #expect(throws: KafkaError.self) {
            _ = try KafkaTransactionalProducer(
                properties: ["bootstrap.servers": bootstrap, "transactional.id": "a"], transactionalID: "b", logger: fx.logger)
        }
        #expect(throws: KafkaError.self) {
            _ = try KafkaTransactionalProducer(
                properties: ["bootstrap.servers": bootstrap, "enable.idempotence": "false"], transactionalID: "a", logger: fx.logger)
        }
        let bad = try #require(throws: KafkaError.self) { _ = try fx.consumer(group: "g", topics: ["t"], isolation: "dirty_reads") }
        #expect(bad.message.contains("isolation.level"), "\(bad)")
        let uncommitted = try fx.consumer(group: "g", topics: ["t"], isolation: "read_uncommitted")
        #expect(uncommitted.isolationLevel == "read_uncommitted")
        #expect(uncommitted.groupID == fx.name("g"))
        #expect(try uncommitted.groupMetadata().groupID == fx.name("g"))
        let byDefault = try KafkaConsumer(properties: ["bootstrap.servers": bootstrap, "group.id": "g"], topics: ["t"], logger: fx.logger)
        #expect(byDefault.isolationLevel == "read_committed")
        await uncommitted.close()
        await byDefault.close()
    }
}
