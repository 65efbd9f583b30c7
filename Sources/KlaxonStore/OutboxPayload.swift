import Foundation
import KlaxonCore

/// How a notification is stored in `outbox.payload`: a compact binary record that keeps what
/// was decided at flush time and refers to the alerts' content in `alert` instead of copying
/// it (issue #8: a JSON copy of every alert of a group, per row, per integration, per re-flush,
/// grew the database to 4.7 GB at a million alerts). Rows written by earlier versions hold JSON
/// (first byte `{`, dates as milliseconds) and still decode.
///
/// Layout (version 1): `0x01`, notification status (1: 0 firing, 1 acknowledged, 2 resolved),
/// flags (1: which optional fields follow), [idempotency key (string), when the row's key is
/// not `KEY/INTEGRATION`], [acknowledged by (string)], [acknowledged at (Float64)], group
/// labels (map), alert count, then per alert: head (1: status in bits 0–1, bit 2 `endsAt`
/// follows, bit 3 labels and annotations follow), fingerprint (8 bytes, big endian: the hex
/// of the payload contains the fingerprint's hex, which the `alert_keep_referenced` trigger
/// looks for), severity id and score (1 each), `startsAt` [`endsAt`] (Float64 bit patterns),
/// occurrences (LEB128), [labels, annotations (maps)]. Strings, maps and counts as in
/// `AlertCodec`. Receiver, group key and fallback receiver are the row's columns.
///
/// An alert without bit 3 takes its labels and annotations from its `alert` row when the row
/// is read (`Outbox`): the content as it is at send time, as Alertmanager sends the alerts'
/// current state. Status, times, severity and occurrences stay as notified.
enum OutboxPayload {
    static let version: UInt8 = 1

    /// The row's columns that the record does not repeat.
    struct Columns {
        var key: String
        var receiver: String
        var integration: String
        var groupKey: String
        var fallbackFor: String?
    }

    /// A decoded record: the notification, and which of its alerts (by index) still need
    /// their labels and annotations from `alert`.
    struct Decoded {
        var notification: AlertNotification
        var references: [Int]
    }

    struct CorruptPayload: Error, CustomStringConvertible {
        var description: String
    }

    static func encode(_ q: QueuedNotification) -> Data {
        let n = q.notification
        var out = [UInt8]()
        out.reserveCapacity(64 + n.alerts.count * (q.referencesAlerts ? 32 : 256))
        out.append(version)
        out.append(code(n.status))
        let derivedKey = q.key == "\(n.idempotencyKey)/\(q.integration)"
        var flags: UInt8 = 0
        if !derivedKey { flags |= 1 }
        if n.acknowledgedBy != nil { flags |= 2 }
        if n.acknowledgedAt != nil { flags |= 4 }
        out.append(flags)
        if !derivedKey { AlertCodec.putString(n.idempotencyKey, &out) }
        if let by = n.acknowledgedBy { AlertCodec.putString(by, &out) }
        if let at = n.acknowledgedAt { putDate(at, &out) }
        AlertCodec.putMap(n.groupLabels, &out)
        AlertCodec.putLength(n.alerts.count, &out)
        for a in n.alerts {
            var head = code(a.status)
            if a.endsAt != nil { head |= 4 }
            if !q.referencesAlerts { head |= 8 }
            out.append(head)
            withUnsafeBytes(of: a.fingerprint.value.bigEndian) { out.append(contentsOf: $0) }
            out.append(UInt8(clamping: a.severity.id))
            out.append(UInt8(clamping: a.severity.score))
            putDate(a.startsAt, &out)
            if let end = a.endsAt { putDate(end, &out) }
            AlertCodec.putLength(max(0, a.occurrences), &out)
            if !q.referencesAlerts {
                AlertCodec.putMap(a.labels, &out)
                AlertCodec.putMap(a.annotations, &out)
            }
        }
        return Data(out)
    }

    static func decode(_ data: Data, row: Columns) throws -> Decoded {
        if data.first == UInt8(ascii: "{") { return Decoded(notification: try legacy.decode(AlertNotification.self, from: data), references: []) }
        do {
            return try data.withUnsafeBytes { raw throws(AlertCodec.CodecError) -> Decoded in
                var r = AlertCodec.Reader(bytes: raw)
                guard try r.byte() == version else { throw AlertCodec.CodecError("unknown version") }
                let status = try Self.status(r.byte())
                let flags = try r.byte()
                let key: String
                if flags & 1 != 0 {
                    key = try r.string()
                } else {
                    let suffix = "/" + row.integration
                    guard row.key.hasSuffix(suffix) else { throw AlertCodec.CodecError("row key does not end in \(suffix)") }
                    key = String(row.key.dropLast(suffix.count))
                }
                let by = flags & 2 != 0 ? try r.string() : nil
                let at = flags & 4 != 0 ? try r.date() : nil
                let groupLabels = try r.map()
                let count = try r.count(atLeastBytesEach: 20)
                var alerts: [NotifiedAlert] = []
                alerts.reserveCapacity(count)
                var references: [Int] = []
                for i in 0..<count {
                    let head = try r.byte()
                    let fp = Fingerprint(value: try r.uint64().byteSwapped)
                    let severity = Severity(id: Int(try r.byte()), score: Int(try r.byte()))
                    let starts = try r.date()
                    let ends = head & 4 != 0 ? try r.date() : nil
                    let occurrences = Int(clamping: try r.varint())
                    var labels: [String: String] = [:]
                    var annotations: [String: String] = [:]
                    if head & 8 != 0 {
                        labels = try r.map()
                        annotations = try r.map()
                    } else {
                        references.append(i)
                    }
                    alerts.append(NotifiedAlert(
                        status: try Self.status(head & 3), fingerprint: fp, labels: labels, annotations: annotations,
                        severity: severity, startsAt: starts, endsAt: ends, occurrences: occurrences))
                }
                guard r.atEnd else { throw AlertCodec.CodecError("bytes after the last alert") }
                var n = AlertNotification(
                    idempotencyKey: key, receiver: row.receiver, status: status, groupKey: row.groupKey,
                    groupLabels: groupLabels, alerts: alerts, fallbackFor: row.fallbackFor)
                n.acknowledgedBy = by
                n.acknowledgedAt = at
                return Decoded(notification: n, references: references)
            }
        } catch let e as AlertCodec.CodecError {
            throw CorruptPayload(description: "stored notification \(row.key) is corrupt: \(e.detail)")
        }
    }

    /// Fills in the referenced alerts' labels and annotations from their `alert` rows (`contents`,
    /// read by the caller for all of a batch at once). An alert whose row is gone keeps the
    /// group's labels (which every alert of the group carries) and no annotations, so the
    /// notification still goes out; the `alert_keep_referenced` trigger keeps rows of pending
    /// entries from being deleted, so this is for rows resent after they went dead.
    static func resolve(_ d: Decoded, contents: [Fingerprint: Alert]) -> AlertNotification {
        var n = d.notification
        for i in d.references {
            if let alert = contents[n.alerts[i].fingerprint] {
                n.alerts[i].labels = alert.labels
                n.alerts[i].annotations = alert.annotations
            } else {
                n.alerts[i].labels = n.groupLabels
            }
        }
        return n
    }

    private static func code(_ s: AlertNotification.Status) -> UInt8 {
        switch s {
        case .firing: 0
        case .acknowledged: 1
        case .resolved: 2
        }
    }

    private static func status(_ code: UInt8) throws(AlertCodec.CodecError) -> AlertNotification.Status {
        switch code {
        case 0: .firing
        case 1: .acknowledged
        case 2: .resolved
        default: throw AlertCodec.CodecError("unknown status \(code)")
        }
    }

    private static func putDate(_ d: Date, _ out: inout [UInt8]) {
        withUnsafeBytes(of: d.timeIntervalSince1970.bitPattern.littleEndian) { out.append(contentsOf: $0) }
    }

    /// Rows queued by earlier versions: JSON with dates as milliseconds.
    private static let legacy: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .millisecondsSince1970
        return d
    }()

    /// The JSON form earlier versions wrote (tests write legacy rows with it).
    static func legacyJSON(_ n: AlertNotification) throws -> Data {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .millisecondsSince1970
        return try e.encode(n)
    }
}
