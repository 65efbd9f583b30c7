import CRdKafka
import Dispatch

extension KafkaConsumer {
    /// Whether some broker answers a metadata request within `timeout` (default 1 s): false
    /// when no broker is reachable, the broker was stopped, or the consumer is closed. The
    /// request runs on a dispatch queue of its own, never on the consumer's poll queue or the
    /// Swift concurrency pool (librdkafka's metadata call is thread-safe beside a poll).
    public func brokerAnswers(timeout: Duration = .seconds(1)) async -> Bool {
        guard !isClosed else { return false }
        let ms = Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        return await withCheckedContinuation { (cont: CheckedContinuation<Bool, Never>) in
            DispatchQueue.global(qos: .utility).async {
                let ok: Bool = self.handle.withHandle { rk in
                    var md: UnsafePointer<rd_kafka_metadata>?
                    let rc = rd_kafka_metadata(rk, 0, nil, &md, ms)
                    if let md { rd_kafka_metadata_destroy(md) }
                    return rc == RD_KAFKA_RESP_ERR_NO_ERROR
                }
                cont.resume(returning: ok)
            }
        }
    }
}
