import Foundation
import KlaxonCore
import KlaxonKafka
import KlaxonStore

/// Polled `klaxon.alerts` records turned into the store's write (issue #14 step 2), without
/// I/O. Each alert is owned by the `klaxon.alerts` partition that carried it. A record that
/// cannot be read (another version, damage) is a dead letter with the codec's reason, and the
/// rest of the batch goes on: it never blocks its partition.
///
/// A batch also knows which input messages it holds only part of (`awaited`): one report's
/// records sit on several partitions, and a poll can return one partition's share before
/// another's. The state stage polls on until they are complete, so a report's alerts reach
/// grouping together and an inhibiting alert is there when the alerts it mutes are flushed.
public struct StateBatch: Sendable {
    public var write = BatchWrite()
    public var deadLetters: [DeadLetter] = []
    /// Records in the batch, read or not (what to commit).
    public private(set) var records: [KafkaRecord] = []
    /// Per message: the partitions its records went to, and those this batch (or, for a
    /// message carried over, an earlier one) holds.
    private var messages: [MessageOrigin: (partitions: [Int32], arrived: Set<Int32>)] = [:]
    /// What earlier batches applied of messages they held only part of.
    private let earlier: [MessageOrigin: Set<Int32>]

    /// - Parameter earlier: `arrived(of:)` of the messages an earlier batch gave up waiting
    ///   for, so their late records do not wait again for what was already applied.
    public init(earlier: [MessageOrigin: Set<Int32>] = [:]) {
        self.earlier = earlier
    }

    public static func make(_ batch: [KafkaRecord], partitioner: StatePartitioner) -> StateBatch {
        var out = StateBatch()
        out.add(batch, partitioner: partitioner)
        return out
    }

    public mutating func add(_ batch: [KafkaRecord], partitioner: StatePartitioner) {
        records += batch
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
                write.add(record, owner: "\(message.topic)/\(message.partition)", partitioner: partitioner)
                messages[record.origin, default: (record.partitions, earlier[record.origin] ?? [])].arrived.insert(message.partition)
            } catch {
                deadLetters.append(DeadLetter(record: message, kind: .decode, reason: "\(error)"))
            }
        }
    }

    /// The messages still missing records on partitions this instance reads, and which.
    /// Partitions another instance owns are not waited for: their records never come here.
    public func awaited(reading assigned: Set<Int32>) -> [MessageOrigin: Set<Int32>] {
        messages.compactMapValues { m in
            let missing = Set(m.partitions).intersection(assigned).subtracting(m.arrived)
            return missing.isEmpty ? nil : missing
        }
    }

    /// The partitions of these messages whose records this batch and earlier ones applied.
    public func arrived(of origins: some Sequence<MessageOrigin>) -> [MessageOrigin: Set<Int32>] {
        Dictionary(uniqueKeysWithValues: origins.compactMap { o in messages[o].map { (o, $0.arrived) } })
    }

    struct Misrouted: Error, CustomStringConvertible {
        var description: String
    }
}
