/// One record for `KafkaTransactionalProducer.handOff`: a message and the topic it goes to.
public struct KafkaOutgoing: Sendable {
    public var topic: String
    public var message: KafkaMessage

    public init(topic: String, message: KafkaMessage) {
        self.topic = topic
        self.message = message
    }
}

/// How a hand-off ended when it did not throw.
public enum KafkaHandOffOutcome: Sendable {
    /// Outputs and input offsets are committed; where each output landed.
    case committed(delivered: [KafkaDeliveryReport])
    /// The transaction was aborted for this reason and the consumer rewound to its committed
    /// offsets: its next poll returns the same input again.
    case aborted(KafkaError)
}

extension KafkaTransactionalProducer {
    /// One turn of a consume → transform → produce stage: in one transaction, produces
    /// `outputs` and commits the input offsets after `batch` for `consumer`'s group, applying
    /// librdkafka's recovery rules. A retriable failure is retried, up to `attempts` calls of
    /// that step (default 5). A failure that needs an abort, a record that could not be
    /// written, or offsets that could not be added abort the transaction, rewind the consumer
    /// and return `.aborted`. A commit still timing out after `attempts` calls is thrown with
    /// the commit under way in the background: call `commitTransaction()` again to wait for it,
    /// or close the producer. A fatal failure (e.g. fenced) is thrown; close the producer.
    ///
    /// Call it between polls, with the batch the last poll returned.
    /// - Parameter commitTimeout: per commit attempt; nil (default) waits up to the rest of
    ///   `transaction.timeout.ms`, as librdkafka recommends.
    public func handOff(
        _ outputs: [KafkaOutgoing], consuming batch: [KafkaRecord], from consumer: KafkaConsumer,
        attempts: Int = 5, commitTimeout: Duration? = nil
    ) async throws -> KafkaHandOffOutcome {
        let offsets = KafkaOffset.after(batch)
        let group = try consumer.groupMetadata()
        try beginTransaction()
        var delivered: [KafkaDeliveryReport] = []
        do {
            for (topic, messages) in Self.byTopic(outputs) { delivered += try await sendAll(topic: topic, messages) }
        } catch let error as KafkaError where !error.isFatal {
            // librdkafka does not classify a failed delivery, but the transaction cannot commit.
            return try await abortAndRewind(consumer, because: error, attempts: attempts)
        }
        do {
            try await retrying(attempts) { try await self.sendOffsetsToTransaction(offsets, group: group) }
        } catch let error as KafkaError where !error.isFatal {
            // Committing without the offsets would hand the same input on twice.
            return try await abortAndRewind(consumer, because: error, attempts: attempts)
        }
        do {
            try await retrying(attempts) { try await self.commitTransaction(timeout: commitTimeout) }
            return .committed(delivered: delivered)
        } catch let error as KafkaError where error.transactionRecovery == .abortTransaction {
            return try await abortAndRewind(consumer, because: error, attempts: attempts)
        }
    }

    private func abortAndRewind(_ consumer: KafkaConsumer, because error: KafkaError, attempts: Int) async throws -> KafkaHandOffOutcome {
        try await retrying(attempts) { try await self.abortTransaction() }
        try await consumer.rewindToCommitted()
        return .aborted(error)
    }

    /// Outputs grouped by topic, topics in first-seen order, messages in input order.
    static func byTopic(_ outputs: [KafkaOutgoing]) -> [(String, [KafkaMessage])] {
        var order: [String] = []
        var groups: [String: [KafkaMessage]] = [:]
        for o in outputs {
            if groups[o.topic] == nil { order.append(o.topic) }
            groups[o.topic, default: []].append(o.message)
        }
        return order.map { ($0, groups[$0]!) }
    }

    /// Runs `step` again while it fails with a retriable error, up to `attempts` calls in all.
    private func retrying(_ attempts: Int, _ step: () async throws -> Void) async throws {
        var attempt = 1
        while true {
            do {
                return try await step()
            } catch let error as KafkaError where error.transactionRecovery == .retry && attempt < attempts {
                attempt += 1
            }
        }
    }
}
