import CRdKafka

/// Owns `rd_kafka_mock_cluster_t`; the mock API is internally locked, hence `@unchecked`.
/// Holds the client handle it hangs off, which outlives the cluster: `deinit` destroys the
/// cluster first, then the handle is released.
final class MockCluster: @unchecked Sendable {
    private let pointer: OpaquePointer
    private let owner: RDKafkaHandle
    init(_ p: OpaquePointer, owner: RDKafkaHandle) { pointer = p; self.owner = owner }
    func withPointer<T>(_ body: (OpaquePointer) -> T) -> T { body(pointer) }
    deinit { rd_kafka_mock_cluster_destroy(pointer) }
}

extension MockCluster {
    /// The next `codes.count` requests with this API key, to any broker, fail with these codes.
    func failNext(apiKey: Int16, with codes: [Int32]) {
        let errors = codes.map { rd_kafka_resp_err_t(rawValue: $0) }
        errors.withUnsafeBufferPointer { rd_kafka_mock_push_request_errors_array(pointer, apiKey, $0.count, $0.baseAddress) }
    }

    /// The next request with this API key to broker `brokerID` is answered normally after `ms`.
    func delayNext(apiKey: Int16, brokerID: Int32, ms: Int32) {
        _ = klaxon_mock_delay_next_request(pointer, brokerID, apiKey, ms)
    }
}
