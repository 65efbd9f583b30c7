import Foundation
import KlaxonCore
import KlaxonKafka
import KlaxonService
import KlaxonStore
import Testing

/// A command on `klaxon.alerts` (`AlertCommand`) is read in its partition's order: the state
/// batch cuts at it, so the reports before it are written first and those after it later.
@Suite struct StateBatchCommandTests {
    static let partitioner = StatePartitioner(partitions: 4)
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// An alert whose fingerprint falls on `partition`.
    static func alert(on partition: Int32, _ base: String) -> Alert {
        for k in 0... {
            let labels = ["alertname": "\(base)\(k)"]
            let fp = Fingerprint(labels: labels)
            if partitioner.partition(of: fp) == partition { return Alert(labels: labels, severity: .high, fingerprint: fp) }
        }
        fatalError("unreachable")
    }

    static func report(_ alert: Alert, partition: Int32, offset: Int64) -> KafkaRecord {
        let record = AlertsRecord(
            receivedAt: t0, origin: MessageOrigin(topic: "in", partition: 0, offset: offset), outcome: "alertmanager: 1 alert",
            partitions: [partition], part: ReportPart(partition: partition, format: .alertmanager, alerts: [alert]))
        return KafkaRecord(topic: "klaxon.alerts", partition: partition, offset: offset, value: AlertsRecordCodec.encode(record))
    }

    static func command(_ c: AlertCommand, partition: Int32, offset: Int64) -> KafkaRecord {
        KafkaRecord(topic: "klaxon.alerts", partition: partition, offset: offset, value: c.encoded())
    }

    @Test func aCommandReadsBackAsWrittenAndIsToldApartFromAReport() throws {
        let c = AlertCommand(action: .resolve, fingerprint: Fingerprint(value: 0xdead_beef), actor: "ana", issuedAt: Self.t0)
        #expect(try AlertCommand.decode(c.encoded()) == c)
        // A group owner's word that it notified the alert (step 4 of #14) names where and under what key.
        let n = AlertCommand(
            id: "pager/k/webhook[0]", action: .notified, fingerprint: c.fingerprint, actor: "pager", issuedAt: Self.t0, target: "pager/webhook[0]",
            instanceStart: Self.t0.addingTimeInterval(-5))
        #expect(try AlertCommand.decode(n.encoded()) == n)
        #expect(!String(decoding: c.encoded(), as: UTF8.self).contains("target"), "a command without a target reads as before")
        #expect(AlertCommand.isCommand(c.encoded()))
        #expect(!AlertCommand.isCommand(Self.report(Self.alert(on: 1, "A"), partition: 1, offset: 0).value))
        #expect(throws: (any Error).self) { try AlertCommand.decode(Data("{\"command\":2}".utf8)) }
        let later = String(decoding: c.encoded(), as: UTF8.self).replacingOccurrences(of: "\"command\":1", with: "\"command\":2")
        do {
            _ = try AlertCommand.decode(Data(later.utf8))
            Issue.record("a command of a later version was read as this one")
        } catch {
            #expect("\(error)".contains("unknown version 2"))
        }
    }

    @Test func aBatchIsCutAtEachCommandOfAPartitionAndOtherPartitionsDoNotCare() throws {
        let x = Self.alert(on: 1, "X"), y = Self.alert(on: 2, "Y")
        let resolveX = AlertCommand(action: .resolve, fingerprint: x.fingerprint, actor: "ana", issuedAt: Self.t0)
        let ackX = AlertCommand(action: .acknowledge, fingerprint: x.fingerprint, actor: "bo", issuedAt: Self.t0)
        // Partition 1: report, resolve, report, ack. Partition 2 interleaved: two reports.
        let batch = StateBatch.make(
            [
                Self.report(x, partition: 1, offset: 0), Self.report(y, partition: 2, offset: 0),
                Self.command(resolveX, partition: 1, offset: 1), Self.report(x, partition: 1, offset: 2),
                Self.report(y, partition: 2, offset: 1), Self.command(ackX, partition: 1, offset: 3),
            ], partitioner: Self.partitioner)
        #expect(batch.deadLetters.isEmpty)
        let shape = batch.segments.map { s in (s.write.reports.map(\.alert.fingerprint), s.commands.map(\.action)) }
        try #require(shape.count == 3, "\(shape)")
        #expect(shape[0].0 == [x.fingerprint, y.fingerprint, y.fingerprint] && shape[0].1 == [.resolve])
        #expect(shape[1].0 == [x.fingerprint] && shape[1].1 == [.acknowledge], "the report after the resolve comes after it")
        #expect(shape[2].0.isEmpty && shape[2].1.isEmpty)
        #expect(batch.consumed.count == 4 && batch.reports.count == 4 && batch.commands == [resolveX, ackX])
        #expect(batch.records.count == 6, "commands are committed with the batch")
    }

    @Test func anUnreadableOrMisroutedCommandIsADeadLetterAndTheRestGoesOn() throws {
        let x = Self.alert(on: 1, "X")
        let stray = AlertCommand(action: .acknowledge, fingerprint: x.fingerprint, actor: "ana", issuedAt: Self.t0)
        let batch = StateBatch.make(
            [
                KafkaRecord(topic: "klaxon.alerts", partition: 1, offset: 0, value: Data("{not json".utf8)),
                Self.command(stray, partition: 3, offset: 0),
                Self.report(x, partition: 1, offset: 1),
            ], partitioner: Self.partitioner)
        #expect(batch.deadLetters.map(\.record.partition) == [1, 3])
        #expect(batch.deadLetters[0].reason.hasPrefix("klaxon.alerts command is not readable"))
        #expect(batch.deadLetters[1].reason.contains("arrived on partition 3, its alert belongs to partition 1"))
        #expect(batch.commands.isEmpty && batch.reports.map(\.alert.fingerprint) == [x.fingerprint])
    }
}
