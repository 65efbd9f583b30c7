/// A consumer's group membership (group id, generation, member id) as the transaction
/// coordinator needs it to accept offsets in a transaction (KIP-447): a member that lost its
/// partitions in a rebalance carries an old generation, and its offsets are refused.
///
/// Take it from `KafkaConsumer.groupMetadata()` right before `sendOffsetsToTransaction`, not
/// once at start-up: the generation changes with every rebalance. The bytes are librdkafka's
/// private serialization, valid only inside this process.
public struct KafkaGroupMetadata: Sendable, Hashable {
    /// The consumer's `group.id`.
    public let groupID: String
    let serialized: [UInt8]

    init(groupID: String, serialized: [UInt8]) {
        self.groupID = groupID
        self.serialized = serialized
    }
}
