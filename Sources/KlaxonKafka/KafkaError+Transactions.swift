extension KafkaError {
    /// What a caller of the transactional API must do after an error. A closed choice: compare
    /// with `.retry`, `.abortTransaction` or `.recreateProducer`.
    public struct TransactionRecovery: Sendable, Hashable, CustomStringConvertible {
        private enum Kind: Hashable { case retry, abort, recreate }
        private let kind: Kind

        /// Call the same method again with the same arguments: the coordinator was briefly
        /// unreachable, or the call timed out and goes on in the background.
        public static let retry = TransactionRecovery(kind: .retry)
        /// The transaction can no longer commit. Call `abortTransaction`, rewind the consumer to
        /// its committed offsets (`KafkaConsumer.rewindToCommitted`), and process that input
        /// again in a new transaction.
        public static let abortTransaction = TransactionRecovery(kind: .abort)
        /// The producer is unusable, typically fenced by a newer instance with the same
        /// `transactional.id`. Close it; stop working on the input it served (the newer
        /// instance owns it now), or create a new producer if this process should carry on.
        public static let recreateProducer = TransactionRecovery(kind: .recreate)

        public var description: String {
            switch kind {
            case .retry: "retry the call"
            case .abort: "abort the transaction and rewind the consumer to its committed offsets"
            case .recreate: "close this producer and create a new one with the same transactional.id"
            }
        }
    }

    /// The way out of this error for the transactional API, following librdkafka's rules:
    /// fatal wins, then abortable, then retriable; an error with none of these flags is
    /// treated as fatal, as librdkafka recommends.
    public var transactionRecovery: TransactionRecovery {
        Self.recovery(isFatal: isFatal, requiresAbort: requiresAbort, isRetriable: isRetriable)
    }

    static func recovery(isFatal: Bool, requiresAbort: Bool, isRetriable: Bool) -> TransactionRecovery {
        if isFatal { return .recreateProducer }
        if requiresAbort { return .abortTransaction }
        if isRetriable { return .retry }
        return .recreateProducer
    }

    /// A newer producer with the same `transactional.id` took over: the broker answered
    /// `PRODUCER_FENCED` or `INVALID_PRODUCER_EPOCH`, or librdkafka raised `_FENCED`.
    public var isFenced: Bool { Self.isFencing(code) }

    static func isFencing(_ code: Int32) -> Bool {
        [Code.fenced, Code.producerFenced, Code.invalidProducerEpoch].contains(code)
    }
}

extension KafkaError.Code {
    /// librdkafka's local `_FENCED` (`RD_KAFKA_RESP_ERR__FENCED`).
    public static let fenced: Int32 = -144
    /// Kafka protocol error 90, `PRODUCER_FENCED`.
    public static let producerFenced: Int32 = 90
    /// Kafka protocol error 47, `INVALID_PRODUCER_EPOCH`.
    public static let invalidProducerEpoch: Int32 = 47
}
