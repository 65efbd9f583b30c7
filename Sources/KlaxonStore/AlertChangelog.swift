import Foundation
import KlaxonCore

/// One alert's whole state as the state stage's changelog carries it (`klaxon.state-changelog`,
/// key = fingerprint, partition = the alert's `klaxon.alerts` partition; docs/scaling.md): what a
/// new owner of the partition restores. Whole, not a difference, so a compacted topic that
/// keeps the last record per key keeps everything.
public struct AlertChangelogRecord: Sendable, Hashable {
    public var state: AlertState
    /// The report's owner label as stored on the row.
    public var owner: String
    /// The sources that reported it (`inspector2,trivy`).
    public var sources: String
    /// It passed the noise filter (its resolution must reach grouping).
    public var admitted: Bool
    /// Who acknowledged it, on the record of the acknowledgement only: the instances that
    /// notify its groups send the follow-ups in that name.
    public var acknowledgedBy: String?

    public init(state: AlertState, owner: String, sources: String, admitted: Bool, acknowledgedBy: String? = nil) {
        self.state = state
        self.owner = owner
        self.sources = sources
        self.admitted = admitted
        self.acknowledgedBy = acknowledgedBy
    }

    public var fingerprint: Fingerprint { state.alert.fingerprint }
}

/// Binary form of an `AlertChangelogRecord` (version 1): `0x01`, status (1 byte: index in
/// `AlertState.Status.allCases`), flags (1: acknowledged, resolved, admitted), first and last
/// seen (Float64 LE), occurrences and regressions (LEB128), acknowledged and resolved times
/// when flagged, owner and sources (strings), who acknowledged (a string, when flag 8), then
/// the alert as `AlertCodec` stores it.
public enum AlertChangelogCodec {
    public static let version: UInt8 = 1

    /// The record's key: the fingerprint in hex, as the store and the API name alerts.
    public static func key(_ fp: Fingerprint) -> Data { Data(fp.description.utf8) }

    public static func encode(_ r: AlertChangelogRecord) -> Data {
        var out = [UInt8]()
        out.reserveCapacity(320)
        out.append(version)
        let s = r.state
        out.append(UInt8(AlertState.Status.allCases.firstIndex(of: s.status) ?? 0))
        var flags: UInt8 = 0
        if s.acknowledgedAt != nil { flags |= 1 }
        if s.resolvedAt != nil { flags |= 2 }
        if r.admitted { flags |= 4 }
        if r.acknowledgedBy != nil { flags |= 8 }
        out.append(flags)
        for t in [s.firstSeenAt, s.lastSeenAt] + [s.acknowledgedAt, s.resolvedAt].compactMap({ $0 }) {
            withUnsafeBytes(of: t.timeIntervalSince1970.bitPattern.littleEndian) { out.append(contentsOf: $0) }
        }
        AlertCodec.putLength(max(0, s.occurrences), &out)
        AlertCodec.putLength(max(0, s.regressions), &out)
        AlertCodec.putString(r.owner, &out)
        AlertCodec.putString(r.sources, &out)
        if let by = r.acknowledgedBy { AlertCodec.putString(by, &out) }
        out.append(contentsOf: AlertCodec.encode(s.alert))
        return Data(out)
    }

    /// Reads a record; a truncated or unknown one throws (never traps).
    public static func decode(_ data: Data) throws -> AlertChangelogRecord {
        do {
            return try data.withUnsafeBytes { raw throws(AlertCodec.CodecError) -> AlertChangelogRecord in
                var r = AlertCodec.Reader(bytes: raw)
                guard try r.byte() == version else { throw AlertCodec.CodecError("unknown changelog record version") }
                let statusIndex = Int(try r.byte())
                guard statusIndex < AlertState.Status.allCases.count else { throw AlertCodec.CodecError("unknown status") }
                let flags = try r.byte()
                let first = try r.date(), last = try r.date()
                let acknowledged = flags & 1 != 0 ? try r.date() : nil
                let resolved = flags & 2 != 0 ? try r.date() : nil
                let occurrences = Int(try r.varint() & 0xFFFF_FFFF)
                let regressions = Int(try r.varint() & 0xFFFF_FFFF)
                let owner = try r.string()
                let sources = try r.string()
                let by = flags & 8 != 0 ? try r.string() : nil
                let blob = Data(UnsafeRawBufferPointer(rebasing: raw[r.at...]))
                let alert: Alert
                do { alert = try AlertCodec.decode(blob) } catch { throw AlertCodec.CodecError("alert: \(error)") }
                let state = AlertState(
                    alert: alert, status: AlertState.Status.allCases[statusIndex], firstSeenAt: first, lastSeenAt: last,
                    occurrences: occurrences, regressions: regressions, acknowledgedAt: acknowledged, resolvedAt: resolved)
                return AlertChangelogRecord(state: state, owner: owner, sources: sources, admitted: flags & 4 != 0, acknowledgedBy: by)
            }
        } catch let error as AlertCodec.CodecError {
            throw ChangelogError(error.detail)
        }
    }

    struct ChangelogError: Error, CustomStringConvertible {
        var detail: String
        var description: String { "state changelog record is corrupt: \(detail)" }
        init(_ d: String) { detail = d }
    }
}
