/// One error type for the Kafka layer. `code` is librdkafka's `rd_kafka_resp_err_t` value when
/// the error came from librdkafka (negative codes are client-local, positive ones from the
/// broker), or one of the `Code` constants below for Klaxon's own checks.
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    public let code: Int32
    /// librdkafka's short name for the code, e.g. `_MSG_TIMED_OUT`.
    public let name: String
    public let message: String
    /// The client can no longer be used (librdkafka fatal error); the service must restart it.
    public let isFatal: Bool
    /// Trying the same operation again may succeed.
    public let isRetriable: Bool
    /// The ongoing transaction can no longer commit: abort it, rewind the input, start again
    /// (librdkafka's `rd_kafka_error_txn_requires_abort`). False outside transactions.
    public let requiresAbort: Bool
    public let file: String
    public let line: Int

    public init(
        code: Int32, name: String, message: String, isFatal: Bool = false, isRetriable: Bool = false,
        requiresAbort: Bool = false, file: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.name = name
        self.message = message
        self.isFatal = isFatal
        self.isRetriable = isRetriable
        self.requiresAbort = requiresAbort
        self.file = file
        self.line = line
    }

    public var description: String { "kafka error \(name) (\(code)): \(message)" }

    /// Codes for errors raised by Klaxon's wrapper rather than librdkafka.
    public enum Code {
        public static let configuration: Int32 = -10_001
        public static let closed: Int32 = -10_002
        public static let brokerStart: Int32 = -10_003
    }

    static func configuration(_ message: String, file: String = #fileID, line: Int = #line) -> KafkaError {
        KafkaError(code: Code.configuration, name: "CONFIGURATION", message: message, file: file, line: line)
    }

    static func closed(file: String = #fileID, line: Int = #line) -> KafkaError {
        KafkaError(code: Code.closed, name: "CLOSED", message: "the client is closed", file: file, line: line)
    }
}
