import CRdKafka

/// Topic metadata, watermarks and creation, for readers that assign partitions themselves
/// (`KafkaTopicReader`) and for internal topics created at start.
extension RDKafkaHandle {
    /// The partition ids of `topic` as the cluster reports them; empty when the topic does not
    /// exist. Asks for every topic: a request naming the topic would make a broker that
    /// auto-creates topics create it, with its defaults instead of ours. Blocks up to `timeoutMs`.
    func partitions(of topic: String, timeoutMs: Int32) throws(KafkaError) -> [Int32] {
        try withHandle { rk throws(KafkaError) in
            var md: UnsafePointer<rd_kafka_metadata>?
            let rc = rd_kafka_metadata(rk, 1, nil, &md, timeoutMs)
            guard rc == RD_KAFKA_RESP_ERR_NO_ERROR, let md else { throw rdKafkaError(rc, "metadata") }
            defer { rd_kafka_metadata_destroy(md) }
            for i in 0..<Int(md.pointee.topic_cnt) {
                let t = md.pointee.topics[i]
                guard String(cString: t.topic) == topic, t.err == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
                return (0..<Int(t.partition_cnt)).map { t.partitions[$0].id }.sorted()
            }
            return []
        }
    }

    /// The offset after the last record of each partition (the high watermark), asked of the
    /// partition leaders; blocks up to `timeoutMs` per partition. The low mark the same query
    /// returns is not used: librdkafka 2.0.2 builds its two requests when it sends them, from
    /// one partition list, so a retried low request asks for the high mark and comes back with
    /// it (`KafkaTopicReader.assign(from:)` reads "from the beginning" by logical offset).
    func highWatermarks(_ topic: String, partitions: [Int32], timeoutMs: Int32) throws(KafkaError) -> [Int32: Int64] {
        try withHandle { rk throws(KafkaError) in
            var result: [Int32: Int64] = [:]
            for p in partitions {
                var low: Int64 = -1
                var high: Int64 = -1
                let rc = rd_kafka_query_watermark_offsets(rk, topic, p, &low, &high, timeoutMs)
                guard rc == RD_KAFKA_RESP_ERR_NO_ERROR else { throw rdKafkaError(rc, "watermarks of \(topic)[\(p)]") }
                // A mark librdkafka did not fill in (-1) is refused, not read as an empty
                // partition that a reader would take for read to its end.
                guard high >= 0 else {
                    throw KafkaError(
                        code: Int32(RD_KAFKA_RESP_ERR__PARTIAL.rawValue), name: "_PARTIAL",
                        message: "the high watermark of \(topic)[\(p)] came back unknown", isRetriable: true)
                }
                result[p] = high
            }
            return result
        }
    }

    /// Asks the cluster to create `topic` (CreateTopics). An existing topic is not an error.
    /// - Parameter config: topic configuration, e.g. `cleanup.policy: compact`.
    func createTopic(
        _ topic: String, partitions: Int32, replicationFactor: Int32, config: [String: String], timeoutMs: Int32
    ) throws(KafkaError) {
        try withHandle { rk throws(KafkaError) in
            var errstr = [CChar](repeating: 0, count: 512)
            guard let newTopic = rd_kafka_NewTopic_new(topic, partitions, replicationFactor, &errstr, errstr.count) else {
                throw KafkaError.configuration(String(errorBuffer: errstr))
            }
            defer { rd_kafka_NewTopic_destroy(newTopic) }
            for (name, value) in config.sorted(by: { $0.key < $1.key }) {
                let rc = rd_kafka_NewTopic_set_config(newTopic, name, value)
                guard rc == RD_KAFKA_RESP_ERR_NO_ERROR else { throw rdKafkaError(rc, "topic config \(name)") }
            }
            let queue = rd_kafka_queue_new(rk)!
            defer { rd_kafka_queue_destroy(queue) }
            let options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS)!
            defer { rd_kafka_AdminOptions_destroy(options) }
            _ = rd_kafka_AdminOptions_set_request_timeout(options, timeoutMs, &errstr, errstr.count)
            var topics: [OpaquePointer?] = [newTopic]
            rd_kafka_CreateTopics(rk, &topics, 1, options, queue)
            guard let event = rd_kafka_queue_poll(queue, timeoutMs + 1000) else {
                throw rdKafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT, "create topic \(topic)")
            }
            defer { rd_kafka_event_destroy(event) }
            let err = rd_kafka_event_error(event)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw rdKafkaError(err, "create topic \(topic)") }
            guard let result = rd_kafka_event_CreateTopics_result(event) else { return }
            var count = 0
            guard let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return }
            for i in 0..<count {
                let rc = rd_kafka_topic_result_error(results[i])
                if rc != RD_KAFKA_RESP_ERR_NO_ERROR && rc != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS {
                    throw rdKafkaError(rc, "create topic \(topic)")
                }
            }
        }
    }
}
