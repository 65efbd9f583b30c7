extension EmbeddedBroker {
    /// A Kafka protocol request kind, by its API key, whose answers can be made to fail.
    public struct Request: Sendable, Hashable {
        let apiKey: Int16
        public static let produce = Request(apiKey: 0)
        /// Offsets by time, and the watermarks a reader asks for.
        public static let listOffsets = Request(apiKey: 2)
        public static let initProducerId = Request(apiKey: 22)
        public static let addPartitionsToTxn = Request(apiKey: 24)
        public static let addOffsetsToTxn = Request(apiKey: 25)
        /// Commit or abort of a transaction, sent to the transaction coordinator.
        public static let endTxn = Request(apiKey: 26)
        /// Offsets in a transaction, sent to the group coordinator.
        public static let txnOffsetCommit = Request(apiKey: 28)
    }

    /// Answers the next `errors.count` requests of this kind, from any client, with these Kafka
    /// error codes in turn (e.g. `KafkaError.Code.producerFenced`), the way librdkafka's own
    /// tests provoke broker failures. Later requests are served normally.
    public func failNext(_ request: Request, with errors: [Int32]) {
        guard !errors.isEmpty else { return }
        cluster.failNext(apiKey: request.apiKey, with: errors)
    }

    /// Answers the next request of this kind normally, but only after `delay` (whole
    /// milliseconds), on every mock broker: a slow coordinator, for provoking client timeouts.
    public func delayNext(_ request: Request, by delay: Duration) {
        let ms = Int32(clamping: delay.milliseconds)
        for id in 1...Int32(brokerCount) { cluster.delayNext(apiKey: request.apiKey, brokerID: id, ms: ms) }
    }
}

extension KafkaError.Code {
    /// Kafka protocol error 14, `COORDINATOR_LOAD_IN_PROGRESS` (retried by librdkafka).
    public static let coordinatorLoadInProgress: Int32 = 14
    /// Kafka protocol error 15, `COORDINATOR_NOT_AVAILABLE`.
    public static let coordinatorNotAvailable: Int32 = 15
    /// Kafka protocol error 48, `INVALID_TXN_STATE`.
    public static let invalidTxnState: Int32 = 48
    /// Kafka protocol error 53, `TRANSACTIONAL_ID_AUTHORIZATION_FAILED`.
    public static let transactionalIDAuthorizationFailed: Int32 = 53
    /// Kafka protocol error 19, `NOT_ENOUGH_REPLICAS`.
    public static let notEnoughReplicas: Int32 = 19
    /// Kafka protocol error 30, `GROUP_AUTHORIZATION_FAILED`.
    public static let groupAuthorizationFailed: Int32 = 30
}

extension KafkaError.Code {
    /// Kafka protocol error 29, `TOPIC_AUTHORIZATION_FAILED`.
    public static let topicAuthorizationFailed: Int32 = 29
}
