import Foundation
import KlaxonCore

/// A queued notification as the state changelog carries it (issue #14): while it waits, the
/// row itself with its alerts' content, so an instance that takes the partition over without
/// this one's state file sends it under the same key; once sent or dead, its outcome.
public struct OutboxChangelogRecord: Sendable, Equatable {
    public enum Outcome: UInt8, Sendable { case pending = 0, delivered = 1, dead = 2 }

    /// The row's key (`outbox.idempotency_key`: receiver, group state and integration).
    public var key: String
    /// The row's first alert, whose partition the record goes to.
    public var fingerprint: Fingerprint
    public var outcome: Outcome
    /// The row as queued (content copied, not referred to); nil once it has an outcome.
    public var queued: QueuedNotification?
    /// The row's group key where the outbox read it (not on the wire: it only says where the
    /// record goes).
    public var groupKey: String?

    public init(key: String, fingerprint: Fingerprint, outcome: Outcome, queued: QueuedNotification? = nil, groupKey: String? = nil) {
        self.key = key
        self.fingerprint = fingerprint
        self.outcome = outcome
        self.queued = outcome == .pending ? queued : nil
        self.groupKey = groupKey ?? queued?.notification.groupKey
    }

    /// The partition whose owner sends a row: its routing group's, since the group's owner
    /// queued it (issue #14, step 4); an escalation step's (`escalation:POLICY:FP`), its
    /// alert's, since the alert's owner queues those.
    public static func partition(groupKey: String?, fingerprint: Fingerprint, _ partitioner: StatePartitioner) -> Int32 {
        guard let groupKey, !groupKey.hasPrefix("escalation:") else { return partitioner.partition(of: fingerprint) }
        return partitioner.partition(ofGroup: GroupKey(groupKey))
    }

    /// Where this record goes (`partition(groupKey:fingerprint:_:)`).
    public func partition(_ partitioner: StatePartitioner) -> Int32 {
        Self.partition(groupKey: groupKey, fingerprint: fingerprint, partitioner)
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.key == b.key && a.fingerprint == b.fingerprint && a.outcome == b.outcome
            && a.queued?.notification == b.queued?.notification && a.queued?.integration == b.queued?.integration
            && a.queued?.key == b.queued?.key
    }
}

/// `OutboxChangelogRecord` on the wire: first byte `0x13` (alert records start with their own
/// version, lifecycle records `0x11`, threshold records `0x12`), the outcome, the key, the
/// fingerprint; a pending record then has receiver, integration, group key, [fallback
/// receiver] and the row's payload (`OutboxPayload`, content copied). Keyed `outbox/<key>`, so
/// compaction keeps each row's last word.
public enum OutboxChangelogCodec {
    public static let version: UInt8 = 0x13

    public static func key(_ rowKey: String) -> Data { Data("outbox/\(rowKey)".utf8) }

    public static func encode(_ r: OutboxChangelogRecord) -> Data {
        var out: [UInt8] = [version, r.outcome.rawValue]
        AlertCodec.putString(r.key, &out)
        ThresholdStateCodec.putInt64(Int64(bitPattern: r.fingerprint.value), &out)
        if r.outcome == .pending, let q = r.queued {
            let n = q.notification
            AlertCodec.putString(n.receiver, &out)
            AlertCodec.putString(q.integration, &out)
            AlertCodec.putString(n.groupKey, &out)
            out.append(n.fallbackFor == nil ? 0 : 1)
            if let f = n.fallbackFor { AlertCodec.putString(f, &out) }
            var copy = q
            copy.referencesAlerts = false
            let payload = OutboxPayload.encode(copy)
            AlertCodec.putLength(payload.count, &out)
            out += payload
        }
        return Data(out)
    }

    /// A record's fields as read, before its payload is decoded.
    private struct Parts {
        var key: String
        var fp: UInt64
        var outcome: OutboxChangelogRecord.Outcome
        var columns: OutboxPayload.Columns?
        var payload: Data?
    }

    /// Reads a record; a truncated, unknown or inconsistent one throws (never traps).
    public static func decode(_ data: Data) throws -> OutboxChangelogRecord {
        let parts: Parts
        do {
            parts = try data.withUnsafeBytes { raw throws(AlertCodec.CodecError) -> Parts in
                var r = AlertCodec.Reader(bytes: raw)
                guard try r.byte() == version else { throw AlertCodec.CodecError("unknown outbox record version") }
                guard let outcome = OutboxChangelogRecord.Outcome(rawValue: try r.byte()) else { throw AlertCodec.CodecError("outcome") }
                let key = try r.string()
                let fp = try r.uint64()
                guard outcome == .pending else {
                    guard r.atEnd else { throw AlertCodec.CodecError("bytes after the record") }
                    return Parts(key: key, fp: fp, outcome: outcome, columns: nil, payload: nil)
                }
                let receiver = try r.string(), integration = try r.string(), groupKey = try r.string()
                let hasFallback = try r.byte()
                guard hasFallback <= 1 else { throw AlertCodec.CodecError("presence flag") }
                let fallback = hasFallback == 1 ? try r.string() : nil
                let n = try r.length()
                let payload = Data(UnsafeRawBufferPointer(rebasing: raw[r.at..<(r.at + n)]))
                r.at += n
                guard r.atEnd else { throw AlertCodec.CodecError("bytes after the record") }
                let columns = OutboxPayload.Columns(key: key, receiver: receiver, integration: integration, groupKey: groupKey, fallbackFor: fallback)
                return Parts(key: key, fp: fp, outcome: outcome, columns: columns, payload: payload)
            }
        } catch let error as AlertCodec.CodecError {
            throw AlertChangelogCodec.ChangelogError("outbox: \(error.detail)")
        }
        let fingerprint = Fingerprint(value: parts.fp)
        guard let columns = parts.columns, let payload = parts.payload else {
            return OutboxChangelogRecord(key: parts.key, fingerprint: fingerprint, outcome: parts.outcome)
        }
        let decoded: OutboxPayload.Decoded
        do { decoded = try OutboxPayload.decode(payload, row: columns) } catch {
            throw AlertChangelogCodec.ChangelogError("outbox: payload: \(error)")
        }
        guard decoded.references.isEmpty else { throw AlertChangelogCodec.ChangelogError("outbox: payload refers to alert rows") }
        let queued = QueuedNotification(notification: decoded.notification, integration: columns.integration, key: columns.key)
        return OutboxChangelogRecord(key: parts.key, fingerprint: fingerprint, outcome: .pending, queued: queued)
    }
}
