import CRdKafka

extension KafkaConsumer {
    /// Messages behind the end of each assigned partition: the high watermark minus the
    /// consumer's position (the next offset it will hand out). Both come from librdkafka's
    /// cache (updated by every fetch), so this never waits on the broker. A partition whose
    /// position or watermark is not known yet reports its whole retained range (high − low),
    /// or is left out while the watermarks are unknown too. Empty once closed.
    public func lag() -> [TopicPartition: Int64] {
        let assigned = assignment
        guard !assigned.isEmpty, !isClosed else { return [:] }
        return handle.withHandle { rk in
            let list = rd_kafka_topic_partition_list_new(Int32(assigned.count))!
            defer { rd_kafka_topic_partition_list_destroy(list) }
            for tp in assigned { rd_kafka_topic_partition_list_add(list, tp.topic, tp.partition) }
            _ = rd_kafka_position(rk, list)
            var result: [TopicPartition: Int64] = [:]
            for i in 0..<Int(list.pointee.cnt) {
                let el = list.pointee.elems[i]
                let topic = String(cString: el.topic)
                var low: Int64 = -1
                var high: Int64 = -1
                guard rd_kafka_get_watermark_offsets(rk, topic, el.partition, &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR,
                    high >= 0
                else { continue }
                let position = el.offset >= 0 ? el.offset : max(low, 0)
                result[TopicPartition(topic: topic, partition: el.partition)] = max(high - position, 0)
            }
            return result
        }
    }
}
