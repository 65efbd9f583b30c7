import Foundation

/// One consumed Kafka message, copied out of librdkafka's buffers.
public struct KafkaRecord: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: Data?
    public var value: Data
    public var headers: [KafkaHeader]
    /// The message's create or log-append time, when the broker reports one.
    public var timestamp: Date?

    public init(
        topic: String, partition: Int32, offset: Int64, key: Data? = nil, value: Data,
        headers: [KafkaHeader] = [], timestamp: Date? = nil
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }

    /// The first header with this name, decoded as UTF-8.
    public func header(_ name: String) -> String? {
        headers.first { $0.name == name }.flatMap { $0.value }.map { String(decoding: $0, as: UTF8.self) }
    }
}

/// A Kafka message header. Values may be null in Kafka, hence optional.
public struct KafkaHeader: Sendable, Hashable {
    public var name: String
    public var value: Data?

    public init(name: String, value: Data?) {
        self.name = name
        self.value = value
    }

    public init(_ name: String, _ value: String) {
        self.init(name: name, value: Data(value.utf8))
    }
}

/// A position to commit: the next offset to read in one partition.
public struct KafkaOffset: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    /// The offset of the next message to consume (last handled offset + 1).
    public var offset: Int64

    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    /// For each partition in `records`, the offset after the highest one.
    public static func after(_ records: some Sequence<KafkaRecord>) -> [KafkaOffset] {
        var next: [TopicPartition: Int64] = [:]
        for r in records {
            let tp = TopicPartition(topic: r.topic, partition: r.partition)
            next[tp] = max(next[tp] ?? 0, r.offset + 1)
        }
        return next.map { KafkaOffset(topic: $0.key.topic, partition: $0.key.partition, offset: $0.value) }
            .sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
    }
}

/// A topic and a partition number.
public struct TopicPartition: Sendable, Hashable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public var description: String { "\(topic)[\(partition)]" }
}

/// Where a produced message landed.
public struct KafkaDeliveryReport: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
}
