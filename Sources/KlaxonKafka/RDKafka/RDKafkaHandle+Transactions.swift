import CRdKafka

/// The transactional producer calls. All but `beginTransaction` (local) may block up to their
/// timeout on a coordinator: callers run them on one serial dispatch queue, never on the Swift
/// concurrency pool. librdkafka refuses overlapping transactional calls with an error.
extension RDKafkaHandle {
    func initTransactions(timeoutMs: Int32) throws(KafkaError) {
        try check(withHandle { rd_kafka_init_transactions($0, timeoutMs) }, "init transactions")
    }

    func beginTransaction() throws(KafkaError) {
        try check(withHandle { rd_kafka_begin_transaction($0) }, "begin transaction")
    }

    func sendOffsetsToTransaction(_ offsets: [KafkaOffset], group: KafkaGroupMetadata, timeoutMs: Int32) throws(KafkaError) {
        let cgmd = try group.read()
        defer { rd_kafka_consumer_group_metadata_destroy(cgmd) }
        let error = withHandle { rk in
            withPartitionList(offsets) { list in rd_kafka_send_offsets_to_transaction(rk, list, cgmd, timeoutMs) }
        }
        try check(error, "send offsets to transaction for group \(group.groupID)")
    }

    func commitTransaction(timeoutMs: Int32) throws(KafkaError) {
        try check(withHandle { rd_kafka_commit_transaction($0, timeoutMs) }, "commit transaction")
    }

    func abortTransaction(timeoutMs: Int32) throws(KafkaError) {
        try check(withHandle { rd_kafka_abort_transaction($0, timeoutMs) }, "abort transaction")
    }

    /// Throws the `rd_kafka_error_t` (and destroys it) when there is one.
    private func check(_ error: OpaquePointer?, _ context: String, file: String = #fileID, line: Int = #line) throws(KafkaError) {
        guard let error else { return }
        defer { rd_kafka_error_destroy(error) }
        var code = rd_kafka_error_code(error)
        var text = String(cString: rd_kafka_error_string(error))
        let isFatal = rd_kafka_error_is_fatal(error) != 0 || code == RD_KAFKA_RESP_ERR__FATAL
        if isFatal {
            // The call reports `_FATAL` or the fatal flag; the cause (e.g. `_FENCED`) is kept
            // by the handle.
            var buf = [CChar](repeating: 0, count: 512)
            let cause = withHandle { rd_kafka_fatal_error($0, &buf, buf.count) }
            if cause != RD_KAFKA_RESP_ERR_NO_ERROR {
                code = cause
                text = String(errorBuffer: buf)
            }
        }
        let isRetriable = rd_kafka_error_is_retriable(error) != 0
        let requiresAbort = rd_kafka_error_txn_requires_abort(error) != 0
        let recovery = KafkaError.recovery(isFatal: isFatal, requiresAbort: requiresAbort, isRetriable: isRetriable)
        let advice = KafkaError.isFencing(code.rawValue) ? "fenced: a newer producer with this transactional.id took over; \(recovery), or stop and leave the input to the new owner" : "\(recovery)"
        throw KafkaError(
            code: code.rawValue, name: String(cString: rd_kafka_err2name(code)),
            message: "\(context): \(text) (\(advice))",
            isFatal: isFatal, isRetriable: isRetriable, requiresAbort: requiresAbort,
            file: file, line: line)
    }
}

extension KafkaGroupMetadata {
    /// Copies a consumer's current group metadata out of librdkafka.
    static func current(of consumer: RDKafkaHandle, groupID: String) throws(KafkaError) -> KafkaGroupMetadata {
        guard let cgmd = consumer.withHandle({ rd_kafka_consumer_group_metadata($0) }) else {
            throw KafkaError.configuration("no consumer group metadata: the client is not a group consumer")
        }
        defer { rd_kafka_consumer_group_metadata_destroy(cgmd) }
        var buffer: UnsafeMutableRawPointer?
        var size = 0
        if let error = rd_kafka_consumer_group_metadata_write(cgmd, &buffer, &size) {
            defer { rd_kafka_error_destroy(error) }
            throw rdKafkaError(rd_kafka_error_code(error), "serialize group metadata")
        }
        guard let buffer else { return KafkaGroupMetadata(groupID: groupID, serialized: []) }
        defer { rd_kafka_mem_free(nil, buffer) }
        let bytes = Array(UnsafeRawBufferPointer(start: buffer, count: size))
        return KafkaGroupMetadata(groupID: groupID, serialized: bytes)
    }

    /// A librdkafka object the caller destroys.
    fileprivate func read() throws(KafkaError) -> OpaquePointer {
        var cgmd: OpaquePointer?
        let error = serialized.withUnsafeBytes { bytes in
            rd_kafka_consumer_group_metadata_read(&cgmd, bytes.baseAddress, bytes.count)
        }
        if let error {
            defer { rd_kafka_error_destroy(error) }
            throw rdKafkaError(rd_kafka_error_code(error), "read group metadata of \(groupID)")
        }
        guard let cgmd else { throw KafkaError.configuration("empty group metadata for \(groupID)") }
        return cgmd
    }
}
