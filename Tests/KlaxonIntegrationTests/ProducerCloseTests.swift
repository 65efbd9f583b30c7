import Foundation
import KlaxonKafka
import KlaxonService
import KlaxonTesting
import Logging
import Synchronization
import Testing

/// `KafkaProducer.close` waits for undeliverable messages on the producer's own queue, not on
/// the Swift pool: while more producers than the pool has threads sit in that wait, an
/// in-process HTTP server still answers (before, each close held a pool thread for up to its
/// timeout, and tests running beside it starved).
@Suite struct ProducerCloseTests {
    let logger = Logger(label: "test")

    /// Producers whose one message cannot be delivered: nothing listens at their broker address.
    func stuckProducers(_ count: Int) throws -> [KafkaProducer] {
        let nowhere = "127.0.0.1:\(try freePort())"
        return try (0..<count).map { _ in
            try KafkaProducer(properties: ["bootstrap.servers": nowhere], logger: logger)
        }
    }

    @Test func closingProducersWithUndeliverableMessagesLeaveThePoolFree() async throws {
        let recorder = WebhookRecorder()
        try await recorder.start()
        let outcome = await capture {
            // Warm the HTTP client up, so the round trip below measures nothing but the pool.
            #expect(try await HTTP.call("POST", recorder.url, json: ["warm": true]).0 == 200)
            let threads = ProcessInfo.processInfo.activeProcessorCount
            let producers = try stuckProducers(threads * 2 + 1)
            let sends = producers.map { p in Task { try await p.send(topic: "nowhere", value: Data("lost".utf8)) } }
            try await eventually("every message is queued") { producers.allSatisfy { $0.queuedMessages > 0 } }

            let began = Counter()
            let ended = Counter()
            let closes = producers.map { p in
                Task {
                    began.add()
                    await p.close(timeout: .seconds(10))
                    ended.add()
                }
            }
            // With blocking closes this task gets no thread until closes end: the first
            // expectation below then fails (or this wait times out).
            try await eventually("every close began", timeout: .seconds(8)) { began.value == producers.count }
            let (status, _) = try await HTTP.call("POST", recorder.url, json: ["during": "close"])
            let endedBeforeAnswer = ended.value
            #expect(status == 200)
            #expect(endedBeforeAnswer == 0, "the HTTP round trip waited for \(endedBeforeAnswer) closing producer(s)")

            for c in closes { await c.value }
            // Every send racing the close ends with a clear error, none hangs.
            for s in sends {
                await #expect { try await s.value } throws: { error in
                    (error as? KafkaError)?.name == "_PURGE_QUEUE"
                }
            }
            #expect(producers.allSatisfy { $0.queuedMessages == 0 })
            #expect(recorder.received.count == 2)
        }
        await recorder.stop()
        try outcome.get()
    }

    @Test func closeIsIdempotentAndALaterSendIsRefused() async throws {
        let broker = try EmbeddedBroker(topics: ["t"])
        let producer = try broker.producer(logger: logger)
        try await producer.send(topic: "t", value: Data("a".utf8))
        // Concurrent closes all return once the producer is closed.
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<3 { group.addTask { await producer.close() } }
        }
        await producer.close()
        await #expect { try await producer.send(topic: "t", value: Data("b".utf8)) } throws: { error in
            (error as? KafkaError)?.code == KafkaError.Code.closed
        }
        await #expect { _ = try await producer.sendAll(topic: "t", [KafkaMessage(value: Data("c".utf8))]) } throws: { error in
            (error as? KafkaError)?.code == KafkaError.Code.closed
        }
        try await producer.flush()  // nothing left to wait for
        #expect(try await broker.readAll("t", expecting: 1).map { String(decoding: $0.value, as: UTF8.self) } == ["a"])
    }

    @Test func sendsRacingACloseEitherLandOrFailClearly() async throws {
        let broker = try EmbeddedBroker(topics: ["race"])
        let reports = try await broker.withProducer(logger: logger) { producer in
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for i in 0..<200 {
                    group.addTask {
                        do {
                            try await producer.send(topic: "race", value: Data("\(i)".utf8))
                            return true
                        } catch let error as KafkaError where error.code == KafkaError.Code.closed {
                            return false
                        }
                    }
                    if i == 100 { group.addTask { await producer.close(); return false } }
                }
                var delivered = 0
                for try await ok in group where ok { delivered += 1 }
                return delivered
            }
        }
        // Every acknowledged send is in the topic; the close flushed, so nothing acknowledged is lost.
        let records = try await broker.readAll("race", expecting: reports, timeout: .seconds(30))
        #expect(records.count == reports)
    }
}

/// A count shared between tasks (a class, because `Mutex` cannot be captured).
private final class Counter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func add() { count.withLock { $0 += 1 } }
}
