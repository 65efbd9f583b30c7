import Foundation
import KlaxonCore
import KlaxonKafka
import KlaxonStore

/// Sends an acknowledgement or resolve of an alert this instance does not own to the alert's
/// partition of `klaxon.alerts` (docs/scaling.md), where its owner applies it in order with the
/// alert's reports. The owner may be this instance a moment later (a partition still being
/// restored): the state stage applies it all the same.
struct AlertCommandForwarder: Sendable {
    let producer: KafkaProducer
    let topic: String
    let ownership: PartitionOwnership

    /// Whether this instance owns the alert now (assigned and restored).
    func owns(_ fp: Fingerprint) -> Bool { ownership.snapshot()(fp) }

    /// Produces the command and waits for the broker to acknowledge it.
    /// - Returns: the partition it went to.
    func forward(_ command: AlertCommand) async throws -> Int32 {
        let partition = ownership.partitioner.partition(of: command.fingerprint)
        do {
            _ = try await producer.send(
                topic: topic, key: Data(command.fingerprint.description.utf8), value: command.encoded(), partition: partition)
        } catch {
            throw ApiFailure(.unavailable, "the \(command.action.rawValue) was not sent to the alert's owner: \(topic) did not take it: \(error)")
        }
        return partition
    }
}
