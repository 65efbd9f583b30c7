import Dispatch
import Foundation
import Logging

/// A producer whose records, together with the input offsets of the consumer that led to them,
/// become visible atomically, or not at all: Kafka transactions (KIP-98), for an exactly-once
/// hand-off between consume → transform → produce stages.
///
/// One transaction at a time:
/// ```
/// try await producer.initTransactions()           // once; fences older instances
/// try producer.beginTransaction()
/// try await producer.sendAll(topic: "out", records)
/// try await producer.sendOffsetsToTransaction(consumer.positions(), group: consumer.groupMetadata())
/// try await producer.commitTransaction()
/// ```
/// Do not poll the consumer between begin and commit: partitions move only inside a poll, so
/// each transaction then covers the input of one assignment.
///
/// Every error is a `KafkaError` whose `transactionRecovery` says what to do: `.retry` the call,
/// `.abortTransaction` (then `KafkaConsumer.rewindToCommitted`), or `.recreateProducer` (fatal,
/// e.g. fenced by a newer producer with the same `transactional.id`).
///
/// Calls that wait on the transaction coordinator run on a serial dispatch queue of their own,
/// never on the Swift concurrency pool. Defaults as `KafkaProducer` (`acks=all`,
/// idempotence, which transactions require).
public final class KafkaTransactionalProducer: Sendable {
    /// The `transactional.id`: stable per unit of work (e.g. stage and input partition), so a
    /// restarted instance fences the one it replaces.
    public let transactionalID: String
    let producer: KafkaProducer  // internal: topic administration goes through it (KafkaProducer+Topics)
    private let queue = DispatchQueue(label: "klaxon.kafka.transactions")

    /// - Parameters:
    ///   - properties: librdkafka properties; must include `bootstrap.servers`. A
    ///     `transactional.id` here must equal `transactionalID`; `enable.idempotence=false` is
    ///     refused. `transaction.timeout.ms` (librdkafka default 60 000 ms) bounds how long an
    ///     open transaction of a dead instance holds back read_committed consumers.
    ///   - transactionalID: the transactional id, non-empty.
    public init(properties: [String: String], transactionalID: String, logger: Logger) throws(KafkaError) {
        guard !transactionalID.isEmpty else { throw KafkaError.configuration("transactional.id must not be empty") }
        if let given = properties["transactional.id"], given != transactionalID {
            throw KafkaError.configuration("transactional.id \"\(given)\" in properties differs from \"\(transactionalID)\"")
        }
        if properties["enable.idempotence"] == "false" {
            throw KafkaError.configuration("enable.idempotence=false: transactions need the idempotent producer")
        }
        var props = properties
        props["transactional.id"] = transactionalID
        self.transactionalID = transactionalID
        self.producer = try KafkaProducer(properties: props, logger: logger)
    }

    /// Registers the `transactional.id` with its coordinator: aborts a transaction a previous
    /// instance left open, and fences that instance. Call once before the first transaction;
    /// after a `.retry` error, call again.
    /// - Parameter timeout: default 30 s.
    public func initTransactions(timeout: Duration = .seconds(30)) async throws {
        let ms = Int32(clamping: timeout.milliseconds)
        try await onQueue { () throws(KafkaError) in try self.producer.handle.initTransactions(timeoutMs: ms) }
    }

    /// Starts a transaction; local, returns at once. Records sent from now until commit or
    /// abort belong to it. Sending outside a transaction fails.
    public func beginTransaction() throws(KafkaError) {
        try producer.handle.beginTransaction()
    }

    /// Sends one record in the current transaction and waits for the broker to have written it
    /// (it stays invisible to `read_committed` consumers until commit).
    @discardableResult
    public func send(
        topic: String, key: Data? = nil, value: Data, headers: [KafkaHeader] = [], partition: Int32? = nil
    ) async throws -> KafkaDeliveryReport {
        try await producer.send(topic: topic, key: key, value: value, headers: headers, partition: partition)
    }

    /// Sends records in order in the current transaction and waits for all of them; see
    /// `KafkaProducer.sendAll`.
    public func sendAll(topic: String, _ messages: [KafkaMessage]) async throws -> [KafkaDeliveryReport] {
        try await producer.sendAll(topic: topic, messages)
    }

    /// Adds input offsets to the current transaction: they are committed for the consumer's
    /// group if, and only if, the transaction commits. `offsets` are next offsets (last handled
    /// + 1), e.g. `KafkaConsumer.positions()` or `KafkaOffset.after(records)`; an empty list
    /// does nothing. After `.retry`, call again with the same offsets and metadata.
    /// - Parameters:
    ///   - group: `KafkaConsumer.groupMetadata()`, taken for this transaction.
    ///   - timeout: default 30 s.
    public func sendOffsetsToTransaction(_ offsets: [KafkaOffset], group: KafkaGroupMetadata, timeout: Duration = .seconds(30)) async throws {
        guard !offsets.isEmpty else { return }
        let ms = Int32(clamping: timeout.milliseconds)
        try await onQueue { () throws(KafkaError) in
            try self.producer.handle.sendOffsetsToTransaction(offsets, group: group, timeoutMs: ms)
        }
    }

    /// Flushes the transaction's records, then commits them and its offsets.
    /// - Parameter timeout: nil (the default, as librdkafka recommends) waits for up to the rest
    ///   of `transaction.timeout.ms`. On a `.retry` (timeout) error the commit goes on in the
    ///   background; call again to wait for it.
    public func commitTransaction(timeout: Duration? = nil) async throws {
        let ms = timeout.map { Int32(clamping: $0.milliseconds) } ?? -1
        try await onQueue { () throws(KafkaError) in try self.producer.handle.commitTransaction(timeoutMs: ms) }
    }

    /// Aborts the current transaction: records not yet sent fail, written ones are marked
    /// aborted, its offsets are dropped. Needed after an `.abortTransaction` error.
    /// - Parameter timeout: nil (default) as for `commitTransaction`.
    public func abortTransaction(timeout: Duration? = nil) async throws {
        let ms = timeout.map { Int32(clamping: $0.milliseconds) } ?? -1
        try await onQueue { () throws(KafkaError) in try self.producer.handle.abortTransaction(timeoutMs: ms) }
    }

    /// Stops the producer without ending an open transaction: its coordinator aborts it when
    /// the next instance with this `transactional.id` calls `initTransactions`, or after
    /// `transaction.timeout.ms`. Waits up to `timeout` (default 10 s) for queued records.
    public func close(timeout: Duration = .seconds(10)) async {
        await withCheckedContinuation { (cont: CheckedContinuation<Void, Never>) in
            queue.async {
                // On this queue, after any transactional call in progress; never on the pool.
                self.producer.closeBlocking(timeout: timeout)
                cont.resume()
            }
        }
    }

    private func onQueue(_ work: @escaping @Sendable () throws(KafkaError) -> Void) async throws {
        try await withCheckedThrowingContinuation { (cont: CheckedContinuation<Void, any Error>) in
            queue.async {
                do { try work(); cont.resume() } catch { cont.resume(throwing: error) }
            }
        }
    }
}
