import Foundation
import KlaxonCore

/// A record of the internal `klaxon.alerts` topic (issue #14, docs/scaling.md): one partition's
/// share of one consumed input message, decoded and normalized by the ingest stage, for the
/// state stage that owns the partition (`StatePartitioner`).
///
/// Each input message gives at least one record, and exactly one of them carries the message's
/// ledger outcome (`trivy: 12 alerts`, `deadletter: …`), so the ledger counts it once. A message
/// that yields no part (a dead letter, a report with nothing in it) still gives that one
/// record, bare, on the partition its input partition maps to (`bare`). Every record names its
/// message and the partitions its siblings went to, so the state stage can apply a report's
/// records together (`StateBatch.awaited`): inhibition inside one report must not depend on
/// which partition is fetched first.
public struct AlertsRecord: Sendable, Hashable {
    public var receivedAt: Date
    /// The input message this record is a share of.
    public var origin: MessageOrigin
    /// The message's ledger outcome; nil on its other records.
    public var outcome: String?
    /// The partitions that received the message's records, this one included, ascending.
    public var partitions: [Int32]
    public var part: ReportPart

    public init(receivedAt: Date, origin: MessageOrigin, outcome: String?, partitions: [Int32], part: ReportPart) {
        self.receivedAt = receivedAt
        self.origin = origin
        self.outcome = outcome
        self.partitions = partitions
        self.part = part
    }

    /// The message's ledger entry, on the one record that carries it.
    public var ledger: ConsumedRecord? {
        outcome.map { ConsumedRecord(topic: origin.topic, partition: origin.partition, offset: origin.offset, outcome: $0) }
    }

    /// The records of one decoded message: a record per part, the first with the ledger entry.
    public static func records(
        _ ledger: ConsumedRecord, receivedAt: Date, parts: [ReportPart], format: InputFormat, partitioner: StatePartitioner
    ) -> [AlertsRecord] {
        guard !parts.isEmpty else { return [bare(ledger, receivedAt: receivedAt, format: format, partitioner: partitioner)] }
        let partitions = Set(parts.map(\.partition)).sorted()
        return parts.enumerated().map { i, part in
            AlertsRecord(
                receivedAt: receivedAt, origin: MessageOrigin(ledger), outcome: i == 0 ? ledger.outcome : nil, partitions: partitions,
                part: part)
        }
    }

    /// The one record of a message with nothing to decide: only the ledger hears of it.
    public static func bare(_ ledger: ConsumedRecord, receivedAt: Date, format: InputFormat, partitioner: StatePartitioner) -> AlertsRecord {
        let p = partitioner.partition(ofInput: ledger.partition)
        return AlertsRecord(
            receivedAt: receivedAt, origin: MessageOrigin(ledger), outcome: ledger.outcome, partitions: [p],
            part: ReportPart(partition: p, format: format))
    }
}

/// Where an input message was read.
public struct MessageOrigin: Sendable, Hashable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32
    public var offset: Int64

    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    init(_ ledger: ConsumedRecord) { self.init(topic: ledger.topic, partition: ledger.partition, offset: ledger.offset) }

    public var description: String { "\(topic)/\(partition)@\(offset)" }
}

extension BatchWrite {
    /// Adds a record as ingest adds its message's share: the ledger entry, the alert reports
    /// (owned by `owner`, the state partition), coverage, and the complete scan of its scopes —
    /// which resolves only this partition's alerts, so records of several partitions may share
    /// a batch and a store.
    public mutating func add(_ record: AlertsRecord, owner: String, partitioner: StatePartitioner) {
        let (part, at) = (record.part, record.receivedAt)
        if let ledger = record.ledger { consumed.append(ledger) }
        for alert in part.alerts { reports.append(AlertReport(alert: alert, owner: owner, receivedAt: at)) }
        if !part.coverage.isEmpty { coverage.merge(part.coverage) }
        if !part.scopes.isEmpty {
            scans.append(ScanReport(
                scopes: part.scopes, present: Set(part.alerts.map(\.fingerprint)), at: at, partition: part.partition, of: partitioner))
        }
    }
}

/// The binary form of an `AlertsRecord` (version 1), with `AlertCodec`'s primitives: `0x01`,
/// receivedAt (Float64 LE), origin (topic, partition as LEB128, offset 8 bytes LE), flags (1:
/// the ledger outcome follows), the outcome, the message's partitions (count, each LEB128),
/// partition (LEB128), format, alerts (count,
/// then each `AlertCodec` record as a length-prefixed blob), scopes (count, strings), coverage
/// sightings (count; kind, name, environment, first, last each) and scans (count; name, time
/// each). Times are Float64 LE.
public enum AlertsRecordCodec {
    static let version: UInt8 = 1

    public static func encode(_ r: AlertsRecord) -> Data {
        var out = [UInt8]()
        out.reserveCapacity(64 + r.part.alerts.count * 320)
        out.append(version)
        putDouble(r.receivedAt.timeIntervalSince1970, &out)
        AlertCodec.putString(r.origin.topic, &out)
        AlertCodec.putLength(Int(UInt32(bitPattern: r.origin.partition)), &out)
        withUnsafeBytes(of: UInt64(bitPattern: r.origin.offset).littleEndian) { out.append(contentsOf: $0) }
        out.append(r.outcome == nil ? 0 : 1)
        if let outcome = r.outcome { AlertCodec.putString(outcome, &out) }
        AlertCodec.putLength(r.partitions.count, &out)
        for p in r.partitions { AlertCodec.putLength(Int(UInt32(bitPattern: p)), &out) }
        AlertCodec.putLength(Int(UInt32(bitPattern: r.part.partition)), &out)
        AlertCodec.putString(r.part.format.rawValue, &out)
        AlertCodec.putLength(r.part.alerts.count, &out)
        for alert in r.part.alerts {
            let blob = AlertCodec.encode(alert)
            AlertCodec.putLength(blob.count, &out)
            out.append(contentsOf: blob)
        }
        AlertCodec.putLength(r.part.scopes.count, &out)
        for s in r.part.scopes { AlertCodec.putString(s, &out) }
        let coverage = r.part.coverage
        AlertCodec.putLength(coverage.sightings.count, &out)
        for (k, span) in coverage.sightings.sorted(by: { $0.key < $1.key }) {
            for s in [k.kind, k.name, k.environment] { AlertCodec.putString(s, &out) }
            putDouble(span.first.timeIntervalSince1970, &out)
            putDouble(span.last.timeIntervalSince1970, &out)
        }
        AlertCodec.putLength(coverage.scans.count, &out)
        for (name, at) in coverage.scans.sorted(by: { $0.key < $1.key }) {
            AlertCodec.putString(name, &out)
            putDouble(at.timeIntervalSince1970, &out)
        }
        return Data(out)
    }

    /// Reads a record; a truncated, over-long or unknown one throws (never traps): the state
    /// stage dead-letters it with this error.
    public static func decode(_ data: Data) throws -> AlertsRecord {
        do {
            return try read(data)
        } catch let error as AlertCodec.CodecError {
            // The reader's own errors speak of a stored alert; here they concern the record.
            throw RecordError(error.detail)
        }
    }

    private static func read(_ data: Data) throws -> AlertsRecord {
        try data.withUnsafeBytes { raw throws -> AlertsRecord in
            var r = AlertCodec.Reader(bytes: raw)
            guard try r.byte() == version else { throw RecordError("unknown version") }
            let receivedAt = try r.date()
            let topic = try r.string()
            let inputPartition = try r.varint()
            guard inputPartition <= UInt64(UInt32.max) else { throw RecordError("input partition out of range") }
            let origin = MessageOrigin(
                topic: topic, partition: Int32(bitPattern: UInt32(inputPartition)), offset: Int64(bitPattern: try r.uint64()))
            let flags = try r.byte()
            let outcome = flags & 1 != 0 ? try r.string() : nil
            var partitions: [Int32] = []
            for _ in 0..<(try r.count(atLeastBytesEach: 1)) {
                let p = try r.varint()
                guard p <= UInt64(Int32.max) else { throw RecordError("sibling partition out of range") }
                partitions.append(Int32(p))
            }
            let part = try r.varint()
            guard part <= UInt64(Int32.max) else { throw RecordError("partition out of range") }
            let formatName = try r.string()
            // Named in the error, cut short: a damaged record's bytes end up in a dead letter's headers.
            guard let format = InputFormat(rawValue: formatName) else { throw RecordError("unknown format \(formatName.prefix(32))") }
            var alerts: [Alert] = []
            // An alert takes at least 13 bytes: its length, version, fingerprint, severity (2), flags, two empty maps.
            for _ in 0..<(try r.count(atLeastBytesEach: 13)) {
                let n = try r.length()
                let blob = Data(UnsafeRawBufferPointer(rebasing: raw[r.at..<(r.at + n)]))
                r.at += n
                do { alerts.append(try AlertCodec.decode(blob)) } catch { throw RecordError("alert \(alerts.count + 1): \(error)") }
            }
            var scopes: [String] = []
            for _ in 0..<(try r.count(atLeastBytesEach: 1)) { scopes.append(try r.string()) }
            var coverage = CoverageObservations()
            for _ in 0..<(try r.count(atLeastBytesEach: 19)) {
                let key = CoverageObservations.Key(kind: try r.string(), name: try r.string(), environment: try r.string())
                coverage.sightings[key] = CoverageObservations.Span(first: try r.date(), last: try r.date())
            }
            for _ in 0..<(try r.count(atLeastBytesEach: 9)) {
                let name = try r.string()
                coverage.scans[name] = try r.date()
            }
            guard r.atEnd else { throw RecordError("\(raw.count - r.at) bytes after the record") }
            return AlertsRecord(
                receivedAt: receivedAt, origin: origin, outcome: outcome, partitions: partitions,
                part: ReportPart(partition: Int32(part), format: format, alerts: alerts, scopes: scopes, coverage: coverage))
        }
    }

    struct RecordError: Error, CustomStringConvertible {
        var detail: String
        var description: String { "klaxon.alerts record is corrupt: \(detail)" }
        init(_ d: String) { detail = d }
    }

    private static func putDouble(_ d: Double, _ out: inout [UInt8]) {
        withUnsafeBytes(of: d.bitPattern.littleEndian) { out.append(contentsOf: $0) }
    }
}
