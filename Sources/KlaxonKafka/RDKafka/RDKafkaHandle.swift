import CRdKafka

/// Owns an `rd_kafka_t`. librdkafka documents its handle as thread-safe for every call we make
/// concurrently (produce, poll, commit, metadata); calls that must not overlap
/// (`rd_kafka_consumer_poll`, `rd_kafka_consumer_close`; the transactional calls) are
/// serialized by the owner on one queue. That is why `@unchecked Sendable` is safe here. The handle is destroyed in `deinit`.
final class RDKafkaHandle: @unchecked Sendable {
    private let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) { self.pointer = pointer }

    /// Lends the raw handle for the duration of `body`.
    func withHandle<T, E: Error>(_ body: (OpaquePointer) throws(E) -> T) throws(E) -> T {
        try body(pointer)
    }

    deinit { rd_kafka_destroy(pointer) }
}

enum RDKafkaClientType {
    case producer, consumer

    var raw: rd_kafka_type_t { self == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER }
}

extension RDKafkaHandle {
    /// Creates a client from properties. On failure librdkafka keeps ownership of nothing:
    /// the conf is destroyed here.
    static func make(
        _ type: RDKafkaClientType, properties: [String: String],
        configure: (OpaquePointer) -> Void = { _ in }
    ) throws(KafkaError) -> RDKafkaHandle {
        let conf = try RDKafkaConf.make(properties)
        configure(conf)
        var errstr = [CChar](repeating: 0, count: 512)
        guard let rk = rd_kafka_new(type.raw, conf, &errstr, errstr.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError.configuration(String(errorBuffer: errstr))
        }
        return RDKafkaHandle(rk)
    }
}

/// Turns a librdkafka error code into a `KafkaError`.
func rdKafkaError(_ err: rd_kafka_resp_err_t, _ context: String, file: String = #fileID, line: Int = #line) -> KafkaError {
    let name = String(cString: rd_kafka_err2name(err))
    let text = String(cString: rd_kafka_err2str(err))
    let retriable: Bool = switch err {
    case RD_KAFKA_RESP_ERR__QUEUE_FULL, RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__TRANSPORT,
        RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT,
        RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
        RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
        RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_COORDINATOR,
        RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
        true
    default:
        false
    }
    return KafkaError(
        code: err.rawValue, name: name, message: "\(context): \(text)",
        isFatal: err == RD_KAFKA_RESP_ERR__FATAL, isRetriable: retriable, file: file, line: line)
}

extension String {
    /// Reads a NUL-terminated C error buffer.
    init(errorBuffer buf: [CChar]) {
        self = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension RDKafkaHandle {
    /// The value librdkafka runs with for a configuration property (defaults included), or nil
    /// for an unknown property.
    func effectiveProperty(_ name: String) -> String? {
        withHandle { rk in
            let conf = rd_kafka_conf(rk)
            var size = 0
            guard rd_kafka_conf_get(conf, name, nil, &size) == RD_KAFKA_CONF_OK, size > 0 else { return nil }
            var buf = [CChar](repeating: 0, count: size)
            guard rd_kafka_conf_get(conf, name, &buf, &size) == RD_KAFKA_CONF_OK else { return nil }
            return String(errorBuffer: buf)
        }
    }
}
