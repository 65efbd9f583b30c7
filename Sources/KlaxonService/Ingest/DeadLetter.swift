import Foundation
import KlaxonKafka

/// A message Klaxon could not use, with the reason, headed for the dead-letter topic.
/// The original bytes, key and headers are kept; `klaxon-*` headers say why and where from.
public struct DeadLetter: Error, Sendable {
    public enum Kind: String, Sendable { case decode, size }

    public var record: KafkaRecord
    public var kind: Kind
    public var reason: String

    public init(record: KafkaRecord, kind: Kind, reason: String) {
        self.record = record
        self.kind = kind
        self.reason = reason
    }

    /// Origin headers appended to the message's own.
    public var headers: [KafkaHeader] {
        record.headers + [
            KafkaHeader("klaxon-error", reason),
            KafkaHeader("klaxon-error-kind", kind.rawValue),
            KafkaHeader("klaxon-origin-topic", record.topic),
            KafkaHeader("klaxon-origin-partition", String(record.partition)),
            KafkaHeader("klaxon-origin-offset", String(record.offset)),
        ]
    }
}
