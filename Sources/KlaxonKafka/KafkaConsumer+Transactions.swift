/// What a consume → transform → produce loop needs from its consumer to hand its input offsets
/// to a `KafkaTransactionalProducer`: the group metadata, the positions to commit, and a way
/// back to the committed offsets after an aborted transaction.
extension KafkaConsumer {
    /// The `isolation.level` the client runs with, as librdkafka reports it: `read_committed`
    /// (the default) or `read_uncommitted`.
    public var isolationLevel: String { handle.effectiveProperty("isolation.level") ?? "" }

    /// This member's current group metadata (group id, generation, member id), for
    /// `KafkaTransactionalProducer.sendOffsetsToTransaction`. Local, never waits on the broker.
    /// Take it anew for each transaction: a rebalance changes the generation.
    public func groupMetadata() throws(KafkaError) -> KafkaGroupMetadata {
        guard !isClosed else { throw KafkaError.closed() }
        return try KafkaGroupMetadata.current(of: handle, groupID: groupID)
    }

    /// The next offset this member will hand out in each assigned partition it has read from:
    /// after a batch is handled, exactly the offsets to send with the transaction. Local state
    /// (librdkafka's `rd_kafka_position`), never waits on the broker; partitions that have not
    /// delivered anything yet are left out. Empty once closed.
    public func positions() -> [KafkaOffset] {
        guard !isClosed else { return [] }
        return handle.positions(of: assignment)
    }

    /// The group's committed offsets for the assigned partitions (default: all of them), asked
    /// of the group coordinator. A partition with nothing committed is left out.
    /// - Parameter timeout: how long to wait for the coordinator (default 10 s).
    public func committed(_ partitions: Set<TopicPartition>? = nil, timeout: Duration = .seconds(10)) async throws -> [KafkaOffset] {
        let wanted = partitions ?? assignment
        return try await onQueue { () throws(KafkaError) in
            try self.handle.committed(wanted, timeoutMs: Int32(clamping: timeout.milliseconds)).filter { $0.offset >= 0 }
        }
    }

    /// Moves every assigned partition back to the group's committed offset (or, with nothing
    /// committed, to where `auto.offset.reset` starts), dropping what was fetched past it. The
    /// recovery after an aborted transaction: the next poll returns the input again. Runs
    /// between polls, on the consumer's queue.
    /// - Parameter timeout: for reading the committed offsets and for the seek (default 10 s).
    public func rewindToCommitted(timeout: Duration = .seconds(10)) async throws {
        let ms = Int32(clamping: timeout.milliseconds)
        try await onQueue { () throws(KafkaError) in
            let assigned = self.assignment
            let committed = try self.handle.committed(assigned, timeoutMs: ms)
            let start = self.startsAtEarliest ? RDKafkaLogicalOffset.earliest : RDKafkaLogicalOffset.latest
            let targets = committed.map { o in
                KafkaOffset(topic: o.topic, partition: o.partition, offset: o.offset >= 0 ? o.offset : start)
            }
            try self.handle.seek(targets, timeoutMs: ms)
        }
    }
}
