import CRdKafka
import Dispatch
import Foundation
import Logging
import Synchronization

/// Reads one topic whole, every partition from its beginning, outside any consumer group: for
/// state every instance needs all of (a compacted control topic). Nothing is committed; a new
/// reader starts from the beginning again. Blocking calls run on a serial queue of its own,
/// never on the Swift concurrency pool.
public final class KafkaTopicReader: Sendable {
    public let topic: String
    private let handle: RDKafkaHandle
    private let queue = DispatchQueue(label: "klaxon.kafka.topic-reader")
    private let closed = Mutex(false)
    private let logger: Logger

    /// - Parameter properties: librdkafka properties (`bootstrap.servers` at least). `group.id`
    ///   is replaced by a unique one that is never joined nor committed to (librdkafka wants one
    ///   to assign partitions); `isolation.level` defaults to `read_committed`.
    public init(properties: [String: String], topic: String, logger: Logger) throws(KafkaError) {
        var props = properties
        props["group.id"] = "klaxon-reader-\(UUID().uuidString.lowercased())"
        props["enable.auto.commit"] = "false"
        props["enable.auto.offset.store"] = "false"
        props["enable.partition.eof"] = "false"
        // A start that retention or compaction removed reads from the first record still held.
        props["auto.offset.reset"] = "earliest"
        props["isolation.level"] = props["isolation.level"] ?? "read_committed"
        self.handle = try RDKafkaHandle.make(.consumer, properties: props)
        self.topic = topic
        self.logger = logger
    }

    /// Creates the topic when the cluster does not have it. Returns whether it exists now.
    /// A cluster that refuses CreateTopics (no permission, an old broker, a mock without it) is
    /// logged; then the topic appears when it is first written to, if the broker auto-creates.
    /// - Parameters:
    ///   - partitions: partitions of a new topic (default 1: one total order of records).
    ///   - config: its configuration, e.g. `cleanup.policy: compact`.
    ///   - timeout: for each broker request (default 10 s).
    public func createIfMissing(
        partitions: Int32 = 1, config: [String: String] = [:], timeout: Duration = .seconds(10)
    ) async throws -> Bool {
        let ms = Int32(clamping: timeout.milliseconds)
        return try await onQueue { () throws(KafkaError) -> Bool in
            if !(try self.handle.partitions(of: self.topic, timeoutMs: ms)).isEmpty { return true }
            do {
                // Replication -1: the broker's default.replication.factor.
                try self.handle.createTopic(self.topic, partitions: partitions, replicationFactor: -1, config: config, timeoutMs: ms)
                self.logger.notice("created topic", metadata: ["topic": "\(self.topic)", "config": "\(config)"])
            } catch {
                self.logger.warning("cannot create topic \(self.topic) (\(error)); it will exist once written to if the broker auto-creates topics")
            }
            return !(try self.handle.partitions(of: self.topic, timeoutMs: ms)).isEmpty
        }
    }

    /// Assigns every partition of the topic from its beginning and returns, per partition, the
    /// offset after its last record now (the high watermark): the reader has read everything
    /// written before this call once its positions reach these. Empty when the topic has no
    /// partitions (does not exist).
    /// - Parameter timeout: for the metadata and watermark requests (default 10 s).
    public func assignAll(timeout: Duration = .seconds(10)) async throws -> [Int32: Int64] {
        let ms = Int32(clamping: timeout.milliseconds)
        return try await onQueue { () throws(KafkaError) -> [Int32: Int64] in
            let partitions = try self.handle.partitions(of: self.topic, timeoutMs: ms)
            guard !partitions.isEmpty else { return [:] }
            let ends = try self.handle.highWatermarks(self.topic, partitions: partitions, timeoutMs: ms)
            let start = partitions.map { KafkaOffset(topic: self.topic, partition: $0, offset: RDKafkaLogicalOffset.earliest) }
            try self.handle.withHandle { rk throws(KafkaError) in
                try withPartitionList(start) { list throws(KafkaError) in
                    let rc = rd_kafka_assign(rk, list)
                    guard rc == RD_KAFKA_RESP_ERR_NO_ERROR else { throw rdKafkaError(rc, "assign \(self.topic)") }
                }
            }
            return ends
        }
    }

    /// Assigns some partitions of the topic, each from the given offset, and returns per
    /// partition where reading starts and its high watermark now: what was written before this
    /// call has been read once `positions()` reach the ends. A `nil` start, or one past the
    /// partition's end (the topic was made anew), reads from the first record it holds (start
    /// `nil`: that offset is known once reading began); a start retention or compaction removed
    /// also reads from there. Replaces any earlier assignment.
    /// - Parameter timeout: for the watermark request (default 10 s).
    public func assign(from starts: [Int32: Int64?], timeout: Duration = .seconds(10)) async throws -> [Int32: KafkaReadRange] {
        let ms = Int32(clamping: timeout.milliseconds)
        return try await onQueue { () throws(KafkaError) -> [Int32: KafkaReadRange] in
            guard !starts.isEmpty else { return [:] }
            // Only the high watermark can be trusted (see `highWatermarks`).
            let ends = try self.handle.highWatermarks(self.topic, partitions: starts.keys.sorted(), timeoutMs: ms)
            var ranges: [Int32: KafkaReadRange] = [:]
            for (p, start) in starts {
                let end = ends[p] ?? 0
                ranges[p] = KafkaReadRange(start: start.flatMap { $0 >= 0 && $0 <= end ? $0 : nil }, end: end)
            }
            let list = ranges.map { p, r in KafkaOffset(topic: self.topic, partition: p, offset: r.start ?? RDKafkaLogicalOffset.earliest) }
            try self.handle.withHandle { rk throws(KafkaError) in
                try withPartitionList(list) { list throws(KafkaError) in
                    let rc = rd_kafka_assign(rk, list)
                    guard rc == RD_KAFKA_RESP_ERR_NO_ERROR else { throw rdKafkaError(rc, "assign \(self.topic)") }
                }
            }
            return ranges
        }
    }

    /// The next offset to be read, per assigned partition that has one (librdkafka moves it
    /// past transaction markers, which a record count would never reach).
    public func positions(of partitions: [Int32]) -> [Int32: Int64] {
        let tps = Set(partitions.map { TopicPartition(topic: topic, partition: $0) })
        return Dictionary(handle.positions(of: tps).map { ($0.partition, $0.offset) }, uniquingKeysWith: max)
    }

    /// Waits up to `maxWait` for a first record, then takes whatever else is ready, up to
    /// `maxRecords`, in offset order per partition. Transient errors are logged, not thrown; a
    /// fatal client error is thrown.
    public func poll(maxRecords: Int = 500, maxWait: Duration = .milliseconds(250)) async throws -> [KafkaRecord] {
        let ms = Int32(clamping: maxWait.milliseconds)
        return try await onQueue { () throws(KafkaError) -> [KafkaRecord] in
            var records: [KafkaRecord] = []
            var timeout = ms
            while records.count < maxRecords {
                let msg: UnsafeMutablePointer<rd_kafka_message_t>? = self.handle.withHandle { rd_kafka_consumer_poll($0, timeout) }
                guard let msg else { break }
                defer { rd_kafka_message_destroy(msg) }
                timeout = 0
                let err = msg.pointee.err
                if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                    records.append(KafkaRecord(copying: msg))
                } else if err == RD_KAFKA_RESP_ERR__FATAL {
                    throw rdKafkaError(err, "read \(self.topic)")
                } else if err != RD_KAFKA_RESP_ERR__PARTITION_EOF {
                    self.logger.warning("reading \(self.topic): \(String(cString: rd_kafka_err2str(err)))")
                }
            }
            return records
        }
    }

    /// Stops fetching. Idempotent.
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

    public var isClosed: Bool { closed.withLock { $0 } }

    private func onQueue<T: Sendable>(_ work: @escaping @Sendable () throws(KafkaError) -> T) async throws -> T {
        try await withCheckedThrowingContinuation { cont in
            queue.async {
                if self.isClosed { return cont.resume(throwing: KafkaError.closed()) }
                do { cont.resume(returning: try work()) } catch { cont.resume(throwing: error) }
            }
        }
    }
}

/// Where a reader assigned to a partition starts (nil: at the first record the partition
/// holds), and the partition's end when it was assigned.
public struct KafkaReadRange: Sendable, Equatable {
    public var start: Int64?
    public var end: Int64
    public init(start: Int64?, end: Int64) {
        self.start = start
        self.end = end
    }
}
