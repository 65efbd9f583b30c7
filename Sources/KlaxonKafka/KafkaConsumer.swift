import CRdKafka
import Dispatch
import Logging
import Synchronization

/// A consumer-group member over several topics that reads batches and commits only what the
/// caller says is durably handled.
///
/// librdkafka runs with `enable.auto.commit=false` and `enable.auto.offset.store=false`: offsets
/// move only through `commit(_:)`, and on partition revocation the offsets already committed
/// through it are committed again (nothing newer). Blocking calls run on a serial queue of their
/// own, never on the Swift concurrency pool.
public final class KafkaConsumer: Sendable {
    let handle: RDKafkaHandle  // internal: KafkaConsumer+Lag reads watermarks through it
    private let context: RebalanceContext
    private let queue = DispatchQueue(label: "klaxon.kafka.consumer")
    private let closed = Mutex(false)
    public let topics: [String]
    /// The `group.id` this member belongs to.
    public let groupID: String
    /// Whether a partition with no committed offset starts at its beginning (`auto.offset.reset`
    /// `earliest`, the default) rather than its end.
    let startsAtEarliest: Bool

    /// - Parameters:
    ///   - properties: librdkafka properties; must include `bootstrap.servers` and `group.id`.
    ///     `auto.offset.reset` defaults to `earliest` so a new group reads what is already there.
    ///     `isolation.level` defaults to `read_committed`: records of transactions that are
    ///     still open or were aborted are not handed out (the broker enforces this through the
    ///     last stable offset and its list of aborted transactions; `EmbeddedBroker` does not,
    ///     see docs/kafka-transactions.md); `read_uncommitted` reads everything. Any other
    ///     value is refused. The prefetch is bounded for memory: `queued.max.messages.kbytes`
    ///     defaults to 16384 (16 MiB; librdkafka's own default is 64 MiB, and it caps
    ///     `fetch.max.bytes` at this unless that is set); set it higher to read further ahead.
    ///   - topics: topics to subscribe to.
    public init(properties: [String: String], topics: [String], logger: Logger) throws(KafkaError) {
        guard let groupID = properties["group.id"] else { throw KafkaError.configuration("group.id is required") }
        guard !topics.isEmpty else { throw KafkaError.configuration("at least one topic is required") }
        var props = properties
        props["enable.auto.commit"] = "false"
        props["enable.auto.offset.store"] = "false"
        props["auto.offset.reset"] = props["auto.offset.reset"] ?? "earliest"
        props["isolation.level"] = props["isolation.level"] ?? "read_committed"
        // Prefetch bounded to 16 MiB (librdkafka's 64 MiB held ~100 MB of messages ahead of a
        // service that reads 2,000 at a time, #8); librdkafka lowers `fetch.max.bytes` to it.
        props["queued.max.messages.kbytes"] = props["queued.max.messages.kbytes"] ?? "16384"
        let context = RebalanceContext(logger: logger)
        let opaque = Unmanaged.passUnretained(context).toOpaque()
        let handle = try RDKafkaHandle.make(.consumer, properties: props) { conf in
            rd_kafka_conf_set_opaque(conf, opaque)
            rd_kafka_conf_set_rebalance_cb(conf) { rk, err, partitions, opaque in
                guard let rk, let opaque else { return }
                Unmanaged<RebalanceContext>.fromOpaque(opaque).takeUnretainedValue()
                    .handle(rk: rk, err: err, partitions: partitions)
            }
            // Answers to asynchronous commits arrive through the poll; only failures matter.
            rd_kafka_conf_set_offset_commit_cb(conf) { _, err, _, opaque in
                guard err != RD_KAFKA_RESP_ERR_NO_ERROR, err != RD_KAFKA_RESP_ERR__NO_OFFSET, let opaque else { return }
                Unmanaged<RebalanceContext>.fromOpaque(opaque).takeUnretainedValue()
                    .logger.warning("offset commit failed (the messages may be read again): \(String(cString: rd_kafka_err2str(err)))")
            }
        }
        let rc: rd_kafka_resp_err_t = handle.withHandle { rk in
            rd_kafka_poll_set_consumer(rk)
            let list = rd_kafka_topic_partition_list_new(Int32(topics.count))!
            defer { rd_kafka_topic_partition_list_destroy(list) }
            for t in topics { rd_kafka_topic_partition_list_add(list, t, RD_KAFKA_PARTITION_UA) }
            return rd_kafka_subscribe(rk, list)
        }
        guard rc == RD_KAFKA_RESP_ERR_NO_ERROR else { throw rdKafkaError(rc, "subscribe") }
        self.handle = handle
        self.context = context
        self.topics = topics
        self.groupID = groupID
        self.startsAtEarliest = ["earliest", "smallest", "beginning"].contains(props["auto.offset.reset"] ?? "")
    }

    /// Partitions currently assigned to this member.
    public var assignment: Set<TopicPartition> { context.assignment }

    /// Each assigned partition with the number of the assignment that gave it to this member
    /// (increasing). A partition whose number changed was revoked and assigned again, and may
    /// have been another member's in between: state kept for it must be brought up to date.
    public var assignmentEpochs: [TopicPartition: UInt64] { context.assignmentEpochs }

    /// Whether the group's last assignment gave this consumer no partition at all (it has more
    /// members than partitions), as opposed to a rebalance under way.
    public var assignedNothing: Bool { context.assignedNothing }

    /// Waits up to `maxWait` for a first message, then takes whatever else is ready, up to
    /// `maxRecords`. Returns an empty batch when nothing arrived. Partition EOF and transient
    /// broker errors are logged, not thrown; a fatal client error is thrown.
    public func poll(maxRecords: Int = 500, maxWait: Duration = .milliseconds(250)) async throws -> [KafkaRecord] {
        try await onQueue { () throws(KafkaError) -> [KafkaRecord] in
            try self.pollBlocking(maxRecords: maxRecords, maxWaitMs: Int32(maxWait.milliseconds))
        }
    }

    /// Commits (synchronously, to the group coordinator) the given next-offsets. Offsets for
    /// partitions no longer assigned are skipped by the broker; that loss is safe because the
    /// new owner re-reads from the last commit (at-least-once).
    public func commit(_ offsets: [KafkaOffset]) async throws {
        guard !offsets.isEmpty else { return }
        try await onQueue { () throws(KafkaError) in
            try self.handle.withHandle { rk throws(KafkaError) in
                try withPartitionList(offsets) { list throws(KafkaError) in
                    // Stored offsets are what a revocation commits; store first, then commit.
                    _ = rd_kafka_offsets_store(rk, list)
                    let rc = rd_kafka_commit(rk, list, 0)
                    if rc != RD_KAFKA_RESP_ERR_NO_ERROR && rc != RD_KAFKA_RESP_ERR__NO_OFFSET {
                        throw rdKafkaError(rc, "commit")
                    }
                }
            }
        }
    }

    /// Stores the given next-offsets and sends their commit without waiting for the coordinator's
    /// answer. Callable from any thread, beside a poll in progress. A commit that fails is
    /// logged; the stored offsets are committed again on revocation and on `close`, and at
    /// worst the messages are read again (at-least-once), never skipped.
    public func commitAsync(_ offsets: [KafkaOffset]) throws {
        guard !offsets.isEmpty, !isClosed else { return }
        try handle.withHandle { rk throws(KafkaError) in
            try withPartitionList(offsets) { list throws(KafkaError) in
                _ = rd_kafka_offsets_store(rk, list)
                let rc = rd_kafka_commit(rk, list, 1)
                if rc != RD_KAFKA_RESP_ERR_NO_ERROR && rc != RD_KAFKA_RESP_ERR__NO_OFFSET {
                    throw rdKafkaError(rc, "commit")
                }
            }
        }
    }

    /// Leaves the group (revocation commits stored offsets) and stops fetching. Idempotent.
    public func close() async {
        let already = closed.withLock { c in defer { c = true }; return c }
        guard !already else { return }
        await withCheckedContinuation { (cont: CheckedContinuation<Void, Never>) in
            queue.async {
                self.handle.withHandle { rk in _ = rd_kafka_consumer_close(rk) }
                cont.resume()
            }
        }
    }

    /// Batches as an `AsyncSequence`, pulled: the next poll starts only when the caller asks
    /// for the next batch, so nothing is read ahead of what the caller has handled. Empty
    /// polls are skipped; the sequence ends when the consumer is closed or the task cancelled.
    public func batches(maxRecords: Int = 500, maxWait: Duration = .milliseconds(250)) -> KafkaBatches {
        KafkaBatches(consumer: self, maxRecords: maxRecords, maxWait: maxWait)
    }

    /// True once `close()` has begun.
    public var isClosed: Bool { closed.withLock { $0 } }

    /// Runs `work` on the consumer's serial queue (never beside a poll), off the Swift pool.
    func onQueue<T: Sendable>(_ work: @escaping @Sendable () throws(KafkaError) -> T) async throws -> T {
        try await withCheckedThrowingContinuation { cont in
            queue.async {
                if self.isClosed { return cont.resume(throwing: KafkaError.closed()) }
                do { cont.resume(returning: try work()) } catch { cont.resume(throwing: error) }
            }
        }
    }

    private func pollBlocking(maxRecords: Int, maxWaitMs: Int32) throws(KafkaError) -> [KafkaRecord] {
        var records: [KafkaRecord] = []
        var timeout = maxWaitMs
        while records.count < maxRecords {
            let msg: UnsafeMutablePointer<rd_kafka_message_t>? = handle.withHandle { rd_kafka_consumer_poll($0, timeout) }
            guard let msg else { break }
            defer { rd_kafka_message_destroy(msg) }
            timeout = 0
            let err = msg.pointee.err
            if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                records.append(KafkaRecord(copying: msg))
            } else if err != RD_KAFKA_RESP_ERR__PARTITION_EOF {
                try handleConsumeError(err, msg)
            }
        }
        return records
    }

    private func handleConsumeError(_ err: rd_kafka_resp_err_t, _ msg: UnsafeMutablePointer<rd_kafka_message_t>) throws(KafkaError) {
        if err == RD_KAFKA_RESP_ERR__FATAL {
            var buf = [CChar](repeating: 0, count: 512)
            let fatal = handle.withHandle { rd_kafka_fatal_error($0, &buf, buf.count) }
            throw KafkaError(code: fatal.rawValue, name: "FATAL", message: String(errorBuffer: buf), isFatal: true)
        }
        let text = msg.pointee.payload.map { String(cString: $0.assumingMemoryBound(to: CChar.self)) } ?? ""
        context.logger.warning("consume error \(String(cString: rd_kafka_err2name(err))): \(text)")
    }
}

/// The pulled batch sequence of a `KafkaConsumer`.
public struct KafkaBatches: AsyncSequence, Sendable {
    public typealias Element = [KafkaRecord]
    let consumer: KafkaConsumer
    let maxRecords: Int
    let maxWait: Duration

    public struct AsyncIterator: AsyncIteratorProtocol {
        let consumer: KafkaConsumer
        let maxRecords: Int
        let maxWait: Duration

        public mutating func next() async throws -> [KafkaRecord]? {
            while !Task.isCancelled && !consumer.isClosed {
                let batch = try await consumer.poll(maxRecords: maxRecords, maxWait: maxWait)
                if !batch.isEmpty { return batch }
            }
            return nil
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(consumer: consumer, maxRecords: maxRecords, maxWait: maxWait)
    }
}

extension Duration {
    /// Whole milliseconds, rounded down, at least 0.
    var milliseconds: Int64 {
        let (s, atto) = components
        return max(0, s * 1000 + atto / 1_000_000_000_000_000)
    }
}
