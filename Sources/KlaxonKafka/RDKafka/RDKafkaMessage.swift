import CRdKafka
import Foundation

extension KafkaRecord {
    /// Copies a consumed message out of librdkafka's buffer (the caller destroys the message).
    init(copying msg: UnsafeMutablePointer<rd_kafka_message_t>) {
        let m = msg.pointee
        let topic = m.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        let value = m.payload.map { Data(bytes: $0, count: m.len) } ?? Data()
        let key = m.key.map { Data(bytes: $0, count: m.key_len) }
        var tsType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let ms = rd_kafka_message_timestamp(msg, &tsType)
        let timestamp = ms >= 0 ? Date(timeIntervalSince1970: Double(ms) / 1000) : nil
        self.init(
            topic: topic, partition: m.partition, offset: m.offset, key: key, value: value,
            headers: Self.headers(of: msg), timestamp: timestamp)
    }

    private static func headers(of msg: UnsafeMutablePointer<rd_kafka_message_t>) -> [KafkaHeader] {
        var hdrs: OpaquePointer?
        guard rd_kafka_message_headers(msg, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR, let hdrs else { return [] }
        var result: [KafkaHeader] = []
        var index = 0
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while rd_kafka_header_get_all(hdrs, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            let n = name.map { String(cString: $0) } ?? ""
            result.append(KafkaHeader(name: n, value: value.map { Data(bytes: $0, count: size) }))
            index += 1
        }
        return result
    }
}

/// Builds an `rd_kafka_topic_partition_list_t` for the duration of `body`.
func withPartitionList<T, E: Error>(
    _ offsets: [KafkaOffset], _ body: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) throws(E) -> T
) throws(E) -> T {
    let list = rd_kafka_topic_partition_list_new(Int32(max(offsets.count, 1)))!
    defer { rd_kafka_topic_partition_list_destroy(list) }
    for o in offsets {
        let tp = rd_kafka_topic_partition_list_add(list, o.topic, o.partition)!
        tp.pointee.offset = o.offset
    }
    return try body(list)
}

/// Reads a partition list into Swift values.
func topicPartitions(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) -> [TopicPartition] {
    guard let list else { return [] }
    return (0..<Int(list.pointee.cnt)).map { i in
        let e = list.pointee.elems[i]
        return TopicPartition(topic: String(cString: e.topic), partition: e.partition)
    }
}
