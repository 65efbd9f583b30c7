/// A stable 64-bit identity of an alert, printed as 16 lowercase hex digits.
///
/// Computed with FNV-1a over the chosen identity labels, sorted by name, as `name=value` pairs
/// separated by 0xFF bytes (which never occur in UTF-8), so it is the same on every platform,
/// process and version — unlike Swift's `Hasher`, which is seeded per process.
public struct Fingerprint: Sendable, Hashable, Codable, CustomStringConvertible, Comparable {
    public let value: UInt64

    public init(value: UInt64) { self.value = value }

    /// Parses 16 hex digits.
    public init?(hex: String) {
        guard hex.utf8.count == 16, let v = UInt64(hex, radix: 16) else { return nil }
        self.value = v
    }

    /// The fingerprint of the given labels (only the names in `keys`, or all when nil).
    public init(labels: [String: String], keys: [String]? = nil) {
        let names = (keys ?? Array(labels.keys)).sorted()
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        @inline(__always) func mix(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        for name in names {
            guard let value = labels[name] else { continue }
            for b in name.utf8 { mix(b) }
            mix(0x3D)  // "="
            for b in value.utf8 { mix(b) }
            mix(0xFF)
        }
        self.value = hash
    }

    public var description: String {
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    public static func < (a: Fingerprint, b: Fingerprint) -> Bool { a.value < b.value }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let s = try c.decode(String.self)
        guard let f = Fingerprint(hex: s) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "fingerprint must be 16 hex digits")
        }
        self = f
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
