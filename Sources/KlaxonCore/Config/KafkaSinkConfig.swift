/// Klaxon's `kafka_configs` entry: produce each notification to a Kafka topic.
public struct KafkaSinkConfig: Sendable, Hashable {
    /// Topic to produce to.
    public var topic: String
    /// Label whose value is the record key (default: the group key).
    public var keyLabel: String?
    /// `send_resolved`; default true.
    public var sendResolved: Bool

    public init(topic: String, keyLabel: String? = nil, sendResolved: Bool = true) {
        self.topic = topic
        self.keyLabel = keyLabel
        self.sendResolved = sendResolved
    }
}
