import Foundation
import KlaxonKafka
import Logging
import Metrics

/// Sends dead letters to their topic, waiting for each acknowledgement, so a batch's offsets
/// commit only once its bad messages are safe. A message the broker refuses as too large is
/// sent again cut to 64 KiB with a `klaxon-truncated-from` header: the reason and origin
/// always arrive.
struct DeadLetterPublisher: Sendable {
    let producer: KafkaProducer
    let topic: String
    let logger: Logger

    static let truncatedSize = 64 * 1024

    /// Retries transient failures until they succeed or the task is cancelled; dead letters
    /// are never dropped, and meanwhile the partition waits (it cannot commit past them).
    func publish(_ letters: [DeadLetter]) async throws {
        for letter in letters {
            logger.warning(
                "dead-lettered message",
                metadata: [
                    "topic": "\(letter.record.topic)", "partition": "\(letter.record.partition)",
                    "offset": "\(letter.record.offset)", "reason": "\(letter.reason)",
                ])
            Counter(label: "klaxon_deadletters_total", dimensions: [("topic", letter.record.topic), ("kind", letter.kind.rawValue)])
                .increment()
            var delay = Duration.milliseconds(200)
            while true {
                do {
                    try await send(letter)
                    break
                } catch let error as KafkaError where !error.isFatal {
                    try Task.checkCancellation()
                    logger.error("cannot publish dead letter, retrying in \(delay): \(error)")
                    try await Task.sleep(for: delay)
                    delay = min(delay * 2, .seconds(10))
                }
            }
        }
    }

    private func send(_ letter: DeadLetter) async throws {
        do {
            try await producer.send(topic: topic, key: letter.record.key, value: letter.record.value, headers: letter.headers)
        } catch let error as KafkaError where error.name == "MSG_SIZE_TOO_LARGE" || error.name == "_MSG_SIZE_TOO_LARGE" {
            let cut = letter.record.value.prefix(Self.truncatedSize)
            try await producer.send(
                topic: topic, key: letter.record.key, value: Data(cut),
                headers: letter.headers + [KafkaHeader("klaxon-truncated-from", String(letter.record.value.count))])
        }
    }
}
