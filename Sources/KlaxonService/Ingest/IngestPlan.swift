import Foundation
import KlaxonCore
import KlaxonKafka
import KlaxonStore

/// What the ingest stage hands on for one polled batch (issue #14 step 2, docs/scaling.md),
/// decided without I/O: each message decoded as today (`BatchProcessor.decode`), split by
/// partition of `klaxon.alerts` (`StatePartitioner`) and encoded (`AlertsRecordCodec`); a bad
/// message becomes a dead letter and still sends its ledger entry on a bare record.
public struct IngestPlan: Sendable {
    /// One `klaxon.alerts` record: the partition it must go to, and its bytes.
    public struct Output: Sendable, Hashable {
        public var partition: Int32
        public var value: Data
    }

    /// In input order, so each partition receives a message's records in the order consumed.
    public var outputs: [Output] = []
    public var deadLetters: [DeadLetter] = []

    /// - Parameter maxRecordBytes: the largest record the alerts topic takes; a message whose
    ///   normalized alerts make a larger one is a dead letter (it would fail its hand-off
    ///   forever and block its partition). Default: no limit.
    public static func make(
        _ batch: [KafkaRecord], processor: BatchProcessor, partitioner: StatePartitioner, now: Date, maxRecordBytes: Int = .max
    ) -> IngestPlan {
        var plan = IngestPlan()
        for message in batch {
            var decoded = processor.decode(message, now: now)
            var outputs: [Output] = []
            if case .success(let report) = decoded {
                var coverage = CoverageObservations()
                coverage.add(report, receivedAt: now, kinds: processor.coverageKinds)
                let ledger = ledger(message, decoded)
                for r in AlertsRecord.records(
                    ledger, receivedAt: now, parts: partitioner.split(report, coverage: coverage), format: report.format,
                    partitioner: partitioner)
                {
                    outputs.append(Output(partition: r.part.partition, value: AlertsRecordCodec.encode(r)))
                }
                if let big = outputs.map(\.value.count).max(), big > maxRecordBytes {
                    decoded = .failure(DeadLetter(
                        record: message, kind: .size,
                        reason: "its \(report.alerts.count) normalized alerts make an internal record of \(big) bytes, "
                            + "over the \(maxRecordBytes)-byte limit"))
                }
            }
            if case .failure(let dead) = decoded {
                plan.deadLetters.append(dead)
                let bare = AlertsRecord.bare(ledger(message, decoded), receivedAt: now, format: .auto, partitioner: partitioner)
                outputs = [Output(partition: bare.part.partition, value: AlertsRecordCodec.encode(bare))]
            }
            plan.outputs += outputs
        }
        return plan
    }

    private static func ledger(_ message: KafkaRecord, _ decoded: Result<DecodedReport, DeadLetter>) -> ConsumedRecord {
        ConsumedRecord(topic: message.topic, partition: message.partition, offset: message.offset, outcome: BatchProcessor.outcome(decoded))
    }
}
