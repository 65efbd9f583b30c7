import Foundation
import KlaxonCore
import KlaxonKafka
import KlaxonStore

/// Polled `klaxon.alerts` records turned into the store's write (issue #14 step 2), without
/// I/O. Each alert is owned by the `klaxon.alerts` partition that carried it. A record that
/// cannot be read (another version, damage) is a dead letter with the codec's reason, and the
/// rest of the batch goes on: it never blocks its partition.
///
/// A command (an acknowledgement or resolve made through another instance, `AlertCommand`) is
/// applied in its partition's order: the batch is cut into segments, each a write followed by
/// the commands that came after it, so a report after a resolve reopens the alert and one
/// before it does not. Other partitions' records do not care which segment they are in.
///
/// A batch also knows which input messages it holds only part of (`awaited`): one report's
/// records sit on several partitions, and a poll can return one partition's share before
/// another's. The state stage polls on until they are complete, so a report's alerts reach
/// grouping together and an inhibiting alert is there when the alerts it mutes are flushed.
public struct StateBatch: Sendable {
    /// A write, then the commands that followed it on their partitions.
    public struct Segment: Sendable {
        public var write = BatchWrite()
        public var commands: [AlertCommand] = []
    }

    /// In order; one segment unless the batch holds commands.
    public private(set) var segments = [Segment()]
    public var deadLetters: [DeadLetter] = []
    /// Records in the batch, read or not (what to commit).
    public private(set) var records: [KafkaRecord] = []
    /// Per message of several records: the partitions its records went to, and those this
    /// batch holds (a message of one record, as every Falco event, is never kept here).
    private var messages: [MessageOrigin: (partitions: [Int32], arrived: Set<Int32>)] = [:]
    /// Per partition, how many commands it has had in this batch: the segment its next record joins.
    private var commandsSeen: [Int32: Int] = [:]
    /// Messages an earlier batch gave up waiting for: their late records are applied as they come.
    private let givenUp: Set<MessageOrigin>

    /// - Parameter givenUp: messages an earlier batch applied in part after waiting for the
    ///   rest; a message makes the stage wait once at most.
    public init(givenUp: Set<MessageOrigin> = []) {
        self.givenUp = givenUp
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
                let segment = commandsSeen[message.partition] ?? 0
                if AlertCommand.isCommand(message.value) {
                    let command = try AlertCommand.decode(message.value)
                    let owner = partitioner.partition(of: command.fingerprint)
                    guard owner == message.partition else {
                        throw Misrouted(
                            description: "command for alert \(command.fingerprint) arrived on partition \(message.partition), its alert "
                                + "belongs to partition \(owner): the instances disagree on the partition count of \(message.topic) "
                                + "(this one splits by \(partitioner.partitions))")
                    }
                    segments[segment].commands.append(command)
                    commandsSeen[message.partition] = segment + 1
                    if segments.count == segment + 1 { segments.append(Segment()) }
                    continue
                }
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
                segments[segment].write.add(record, owner: "\(message.topic)/\(message.partition)", partitioner: partitioner)
                if record.partitions.count > 1, !givenUp.contains(record.origin) {
                    messages[record.origin, default: (record.partitions, [])].arrived.insert(message.partition)
                }
            } catch {
                deadLetters.append(DeadLetter(record: message, kind: .decode, reason: "\(error)"))
            }
        }
    }

    /// The input messages whose records the batch holds (what the ledger counts).
    public var consumed: [ConsumedRecord] { segments.flatMap(\.write.consumed) }
    /// Every alert report in the batch.
    public var reports: [AlertReport] { segments.flatMap(\.write.reports) }
    public var commands: [AlertCommand] { segments.flatMap(\.commands) }

    /// The messages still missing records on partitions this instance reads, and which.
    /// Partitions another instance owns are not waited for: their records never come here.
    public func awaited(reading assigned: @autoclosure () -> Set<Int32>) -> [MessageOrigin: Set<Int32>] {
        let incomplete = messages.filter { $0.value.arrived.count < $0.value.partitions.count }
        guard !incomplete.isEmpty else { return [:] }
        let assigned = assigned()
        return incomplete.compactMapValues { m in
            let missing = Set(m.partitions).intersection(assigned).subtracting(m.arrived)
            return missing.isEmpty ? nil : missing
        }
    }

    struct Misrouted: Error, CustomStringConvertible {
        var description: String
    }
}
