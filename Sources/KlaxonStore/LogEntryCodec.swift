import Foundation
import KlaxonCore

/// The stored form of a notification-log entry: the notified fingerprints as raw 64-bit hashes
/// (as Alertmanager's nflog keeps them), not a JSON document of hex strings.
///
/// Layout (version 1): `0x01`, time (Float64 bit pattern), firing count, firing hashes,
/// resolved count, resolved hashes; counts UInt32 and hashes UInt64, little endian. Entries
/// written by earlier versions hold JSON (first byte `{`) and still decode.
enum LogEntryCodec {
    /// A log key as stored: a blob of its UTF-8, because the key holds a NUL between group key
    /// and receiver (`GroupNotification.logKey`) and a bound string ends at the first NUL.
    /// (Rows written before as text lost the receiver and matched no group; v22 deletes them.)
    static func storedKey(_ key: String) -> Data { Data(key.utf8) }

    /// A stored key read back.
    static func key(_ stored: Data) -> String { String(decoding: stored, as: UTF8.self) }

    static func encode(_ entry: GroupScheduler.LogEntry) -> Data {
        var out = [UInt8]()
        out.reserveCapacity(1 + 8 + 8 + 8 * (entry.firing.count + entry.resolved.count))
        out.append(1)
        append(entry.at.timeIntervalSince1970.bitPattern, to: &out)
        for set in [entry.firing, entry.resolved] {
            withUnsafeBytes(of: UInt32(set.count).littleEndian) { out.append(contentsOf: $0) }
            for fp in set.sorted() { append(fp.value, to: &out) }
        }
        return Data(out)
    }

    static func decode(_ data: Data) throws -> GroupScheduler.LogEntry {
        if data.first == UInt8(ascii: "{") { return try AlertStore.decoder.decode(GroupScheduler.LogEntry.self, from: data) }
        let bytes = [UInt8](data)
        var at = 0
        func uint(_ size: Int) throws -> UInt64 {
            guard at + size <= bytes.count else { throw AlertCodec.CodecError("truncated notification log entry") }
            var v: UInt64 = 0
            for i in 0..<size { v |= UInt64(bytes[at + i]) << (8 * UInt64(i)) }
            at += size
            return v
        }
        guard try uint(1) == 1 else { throw AlertCodec.CodecError("unknown notification log entry version") }
        let time = Date(timeIntervalSince1970: Double(bitPattern: try uint(8)))
        var sets: [Set<Fingerprint>] = []
        for _ in 0..<2 {
            let n = Int(try uint(4))
            guard n <= (bytes.count - at) / 8 else { throw AlertCodec.CodecError("notification log entry count past the end") }
            var set = Set<Fingerprint>(minimumCapacity: n)
            for _ in 0..<n { set.insert(Fingerprint(value: try uint(8))) }
            sets.append(set)
        }
        return GroupScheduler.LogEntry(firing: sets[0], resolved: sets[1], at: time)
    }

    private static func append(_ v: UInt64, to out: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
    }
}
