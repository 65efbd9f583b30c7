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
    /// Decoded alerts per source label, for metrics.
    public var alertsBySource: [String: Int] = [:]

    public static func make(_ batch: [KafkaRecord], processor: BatchProcessor, partitioner: StatePartitioner, now: Date) -> IngestPlan {
        var plan = IngestPlan()
        for message in batch {
            let decoded = processor.decode(message, now: now)
            let ledger = ConsumedRecord(
                topic: message.topic, partition: message.partition, offset: message.offset, outcome: BatchProcessor.outcome(decoded))
            let records: [AlertsRecord]
            switch decoded {
            case .success(let report):
                var coverage = CoverageObservations()
                coverage.add(report, receivedAt: now, kinds: processor.coverageKinds)
                records = AlertsRecord.records(
                    ledger, receivedAt: now, parts: partitioner.split(report, coverage: coverage), format: report.format,
                    partitioner: partitioner)
                for alert in report.alerts { plan.alertsBySource[alert.source ?? "unknown", default: 0] += 1 }
            case .failure(let dead):
                plan.deadLetters.append(dead)
                records = [AlertsRecord.bare(ledger, receivedAt: now, format: .auto, partitioner: partitioner)]
            }
            for r in records { plan.outputs.append(Output(partition: r.part.partition, value: AlertsRecordCodec.encode(r))) }
        }
        return plan
    }
}
