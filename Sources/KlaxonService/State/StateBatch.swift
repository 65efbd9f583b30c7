import Foundation
import KlaxonCore
import KlaxonKafka
import KlaxonStore

/// A polled batch of `klaxon.alerts` records turned into the store's write (issue #14 step 2),
/// without I/O. Each alert is owned by the `klaxon.alerts` partition that carried it. A record
/// that cannot be read (another version, damage) is a dead letter with the codec's reason, and
/// the rest of the batch goes on: it never blocks its partition.
public struct StateBatch: Sendable {
    public var write = BatchWrite()
    public var deadLetters: [DeadLetter] = []

    public static func make(_ batch: [KafkaRecord], partitioner: StatePartitioner) -> StateBatch {
        var out = StateBatch()
        for message in batch {
            do {
                let record = try AlertsRecordCodec.decode(message.value)
                // Ownership follows the partition count: a record split for another count would
                // put alerts on owners that never see their other reports.
                let stray = record.part.alerts.first { partitioner.partition(of: $0.fingerprint) != message.partition }
                guard record.part.partition == message.partition, stray == nil else {
                    throw Misrouted(
                        description: "record split for partition \(record.part.partition) arrived on partition \(message.partition)"
                            + (stray.map { ", and alert \($0.fingerprint) belongs to partition \(partitioner.partition(of: $0.fingerprint))" } ?? "")
                            + ": the instances disagree on the partition count of \(message.topic) (this one splits by \(partitioner.partitions))")
                }
                out.write.add(record, owner: "\(message.topic)/\(message.partition)", partitioner: partitioner)
            } catch {
                out.deadLetters.append(DeadLetter(record: message, kind: .decode, reason: "\(error)"))
            }
        }
        return out
    }

    struct Misrouted: Error, CustomStringConvertible {
        var description: String
    }
}
