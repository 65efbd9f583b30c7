import Foundation
import KlaxonCore

/// The stored form of an `Alert`: a compact binary record instead of a JSON document, because
/// encoding JSON inside the one SQLite writer was a third of the hot path's CPU (issue #8).
///
/// Layout (version 1): `0x01`, fingerprint (8 bytes LE), severity id (1), score (1), flags (1:
/// which optional fields follow), scope (string), occurredAt / detectedAt / resolvedAt
/// (Float64 bit patterns, LE), expiresAfter (Float64), origin (string), labels, annotations
/// (count, then name/value strings). Flags 16 and 32 (expiresAfter, origin) came later; records
/// without them read as before. Strings
/// and counts are LEB128 lengths followed by UTF-8 bytes. Rows written by earlier versions hold
/// JSON (first byte `{`) and still decode.
public enum AlertCodec {
    static let version: UInt8 = 1

    public static func encode(_ alert: Alert) -> Data {
        var out = [UInt8]()
        out.reserveCapacity(256)
        out.append(version)
        withUnsafeBytes(of: alert.fingerprint.value.littleEndian) { out.append(contentsOf: $0) }
        out.append(UInt8(clamping: alert.severity.id))
        out.append(UInt8(clamping: alert.severity.score))
        var flags: UInt8 = 0
        if alert.scope != nil { flags |= 1 }
        if alert.occurredAt != nil { flags |= 2 }
        if alert.detectedAt != nil { flags |= 4 }
        if alert.resolvedAt != nil { flags |= 8 }
        if alert.expiresAfter != nil { flags |= 16 }
        if alert.origin != nil { flags |= 32 }
        out.append(flags)
        if let scope = alert.scope { putString(scope, &out) }
        for seconds in [alert.occurredAt?.timeIntervalSince1970, alert.detectedAt?.timeIntervalSince1970, alert.resolvedAt?.timeIntervalSince1970, alert.expiresAfter] {
            if let seconds { withUnsafeBytes(of: seconds.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        }
        if let origin = alert.origin { putString(origin, &out) }
        putMap(alert.labels, &out)
        putMap(alert.annotations, &out)
        return Data(out)
    }

    public static func decode(_ data: Data) throws -> Alert {
        if data.first == UInt8(ascii: "{") { return try AlertStore.decoder.decode(Alert.self, from: data) }
        return try data.withUnsafeBytes { raw throws(CodecError) -> Alert in
            var r = Reader(bytes: raw)
            guard try r.byte() == version else { throw CodecError("unknown alert record version") }
            let fp = Fingerprint(value: try r.uint64())
            let id = Int(try r.byte())
            let score = Int(try r.byte())
            let flags = try r.byte()
            let scope = flags & 1 != 0 ? try r.string() : nil
            let occurred = flags & 2 != 0 ? try r.date() : nil
            let detected = flags & 4 != 0 ? try r.date() : nil
            let resolved = flags & 8 != 0 ? try r.date() : nil
            let expiresAfter = flags & 16 != 0 ? Double(bitPattern: try r.uint64()) : nil
            let origin = flags & 32 != 0 ? try r.string() : nil
            let labels = try r.map()
            let annotations = try r.map()
            return Alert(
                labels: labels, annotations: annotations, severity: Severity(id: id, score: score), fingerprint: fp,
                scope: scope, occurredAt: occurred, detectedAt: detected, resolvedAt: resolved, expiresAfter: expiresAfter, origin: origin)
        }
    }

    struct CodecError: Error, CustomStringConvertible {
        /// What is wrong, without the record's name (`truncated`, …).
        var detail: String
        var description: String { "stored alert is corrupt: \(detail)" }
        init(_ d: String) { detail = d }
    }

    // The record primitives below are shared with `OutboxPayload` and `LogEntryCodec`.

    static func putLength(_ n: Int, _ out: inout [UInt8]) {
        var v = UInt(n)
        while v >= 0x80 {
            out.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    static func putString(_ s: String, _ out: inout [UInt8]) {
        var s = s
        s.withUTF8 { bytes in
            putLength(bytes.count, &out)
            out.append(contentsOf: bytes)
        }
    }

    static func putMap(_ map: [String: String], _ out: inout [UInt8]) {
        putLength(map.count, &out)
        for (k, v) in map {
            putString(k, &out)
            putString(v, &out)
        }
    }

    struct Reader {
        let bytes: UnsafeRawBufferPointer
        var at = 0

        init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        mutating func byte() throws(CodecError) -> UInt8 {
            guard at < bytes.count else { throw CodecError("truncated") }
            defer { at += 1 }
            return bytes[at]
        }

        mutating func uint64() throws(CodecError) -> UInt64 {
            guard at + 8 <= bytes.count else { throw CodecError("truncated") }
            var v: UInt64 = 0
            for i in 0..<8 { v |= UInt64(bytes[at + i]) << (8 * UInt64(i)) }
            at += 8
            return v
        }

        mutating func date() throws(CodecError) -> Date {
            Date(timeIntervalSince1970: Double(bitPattern: try uint64()))
        }

        mutating func length() throws(CodecError) -> Int {
            var v = 0
            var shift = 0
            while true {
                let b = try byte()
                v |= Int(b & 0x7F) << shift
                if b & 0x80 == 0 { break }
                shift += 7
                guard shift < 35 else { throw CodecError("length too long") }
            }
            guard v <= bytes.count - at else { throw CodecError("length past the end") }
            return v
        }

        /// A LEB128 number not bounded by the bytes left (a count of something else).
        mutating func varint() throws(CodecError) -> UInt64 {
            var v: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let b = try byte()
                v |= UInt64(b & 0x7F) << shift
                if b & 0x80 == 0 { return v }
                shift += 7
                guard shift < 63 else { throw CodecError("number too long") }
            }
        }

        /// A count of items that take at least `size` bytes each, checked against the bytes left.
        mutating func count(atLeastBytesEach size: Int) throws(CodecError) -> Int {
            let n = try varint()
            guard n <= UInt64((bytes.count - at) / max(1, size)) else { throw CodecError("count past the end") }
            return Int(n)
        }

        var atEnd: Bool { at == bytes.count }

        mutating func string() throws(CodecError) -> String {
            let n = try length()
            defer { at += n }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[at..<(at + n)]), as: UTF8.self)
        }

        mutating func map() throws(CodecError) -> [String: String] {
            let n = try length()
            var m: [String: String] = [:]
            m.reserveCapacity(n)
            for _ in 0..<n {
                let k = try string()
                m[k] = try string()
            }
            return m
        }
    }
}
