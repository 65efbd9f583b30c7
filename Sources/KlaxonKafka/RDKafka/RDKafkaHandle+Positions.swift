import CRdKafka

/// Consumer positions and committed offsets, for transactional hand-off and rewinding.
extension RDKafkaHandle {
    /// The next offset the consumer will hand out, per partition, from librdkafka's local state
    /// (no broker call). Partitions with no position yet (nothing consumed) are left out.
    func positions(of partitions: Set<TopicPartition>) -> [KafkaOffset] {
        guard !partitions.isEmpty else { return [] }
        return withHandle { rk in
            withPartitionList(partitions.map { KafkaOffset(topic: $0.topic, partition: $0.partition, offset: RDKafkaLogicalOffset.invalid) }) { list in
                _ = rd_kafka_position(rk, list)
                return offsets(list).filter { $0.offset >= 0 }
            }
        }
    }

    /// The group's committed offsets for `partitions`, asked of the group coordinator; blocks up
    /// to `timeoutMs`. A partition with no commit has offset `-1001` (`RD_KAFKA_OFFSET_INVALID`).
    func committed(_ partitions: Set<TopicPartition>, timeoutMs: Int32) throws(KafkaError) -> [KafkaOffset] {
        guard !partitions.isEmpty else { return [] }
        return try withHandle { rk throws(KafkaError) in
            try withPartitionList(partitions.map { KafkaOffset(topic: $0.topic, partition: $0.partition, offset: RDKafkaLogicalOffset.invalid) }) { list throws(KafkaError) in
                let rc = rd_kafka_committed(rk, list, timeoutMs)
                guard rc == RD_KAFKA_RESP_ERR_NO_ERROR else { throw rdKafkaError(rc, "read committed offsets") }
                if let failed = (0..<Int(list.pointee.cnt)).map({ list.pointee.elems[$0] }).first(where: { $0.err != RD_KAFKA_RESP_ERR_NO_ERROR }) {
                    throw rdKafkaError(failed.err, "read committed offset of \(String(cString: failed.topic))[\(failed.partition)]")
                }
                return offsets(list)
            }
        }
    }

    /// Moves the fetch position of each partition; messages already fetched past it are
    /// dropped by librdkafka. `offset` may be a real offset or `RDKafkaLogicalOffset.earliest`/`.latest`.
    func seek(_ positions: [KafkaOffset], timeoutMs: Int32) throws(KafkaError) {
        guard !positions.isEmpty else { return }
        try withHandle { rk throws(KafkaError) in
            try withPartitionList(positions) { list throws(KafkaError) in
                if let error = rd_kafka_seek_partitions(rk, list, timeoutMs) {
                    defer { rd_kafka_error_destroy(error) }
                    throw rdKafkaError(rd_kafka_error_code(error), "seek")
                }
                if let failed = (0..<Int(list.pointee.cnt)).map({ list.pointee.elems[$0] }).first(where: { $0.err != RD_KAFKA_RESP_ERR_NO_ERROR }) {
                    throw rdKafkaError(failed.err, "seek \(String(cString: failed.topic))[\(failed.partition)]")
                }
            }
        }
    }

    private func offsets(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> [KafkaOffset] {
        (0..<Int(list.pointee.cnt)).map { i in
            let e = list.pointee.elems[i]
            return KafkaOffset(topic: String(cString: e.topic), partition: e.partition, offset: e.offset)
        }
        .sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
    }
}

/// librdkafka's logical offsets, for `seek` when a partition has no committed offset.
enum RDKafkaLogicalOffset {
    static let earliest: Int64 = -2  // RD_KAFKA_OFFSET_BEGINNING
    static let latest: Int64 = -1  // RD_KAFKA_OFFSET_END
    static let invalid: Int64 = -1001  // RD_KAFKA_OFFSET_INVALID
}
