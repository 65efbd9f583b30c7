/// A shell-style wildcard pattern over a whole string: `*` matches any run of characters
/// (including `/` and `:`, so `registry.example.com/shop/*` covers nested repositories and every
/// tag), `?` matches exactly one character, `\*`, `\?` and `\\` match themselves. Everything
/// else is literal and case-sensitive. Compiled once; literal, `prefix*`, `*suffix` and
/// `*infix*` shapes are answered with plain byte comparisons.
public struct GlobPattern: Sendable, Hashable, Codable, CustomStringConvertible {
    private enum Shape: Sendable, Hashable {
        case literal([UInt8])
        case prefix([UInt8])
        case suffix([UInt8])
        case infix([UInt8])
        case general([Token])
    }

    private enum Token: Sendable, Hashable {
        case byte(UInt8)
        case any      // `?`: one Unicode scalar
        case star     // `*`
    }

    /// The pattern as written.
    public let source: String
    private let shape: Shape

    public init(_ source: String) {
        self.source = source
        var tokens: [Token] = []
        var bytes = Array(source.utf8)[...]
        while let b = bytes.popFirst() {
            switch b {
            case UInt8(ascii: "\\"):
                if let next = bytes.first, next == UInt8(ascii: "*") || next == UInt8(ascii: "?") || next == UInt8(ascii: "\\") {
                    tokens.append(.byte(next))
                    bytes.removeFirst()
                } else {
                    tokens.append(.byte(b))
                }
            case UInt8(ascii: "*"):
                if tokens.last != .star { tokens.append(.star) }
            case UInt8(ascii: "?"): tokens.append(.any)
            default: tokens.append(.byte(b))
            }
        }
        shape = GlobPattern.classify(tokens)
        let afterSlash = source.lastIndex(of: "/").map { source[source.index(after: $0)...] } ?? Substring(source)
        hasTagOrDigest = source.contains("@") || afterSlash.contains(":")
    }

    private static func classify(_ tokens: [Token]) -> Shape {
        func literal(_ ts: ArraySlice<Token>) -> [UInt8]? {
            var out: [UInt8] = []
            for t in ts { guard case let .byte(b) = t else { return nil }; out.append(b) }
            return out
        }
        if let l = literal(tokens[...]) { return .literal(l) }
        let starts = tokens.first == .star, ends = tokens.last == .star
        if ends, !starts, let l = literal(tokens.dropLast()) { return .prefix(l) }
        if starts, !ends, let l = literal(tokens.dropFirst()) { return .suffix(l) }
        if starts, ends, tokens.count >= 2, let l = literal(tokens.dropFirst().dropLast()) { return .infix(l) }
        return .general(tokens)
    }

    /// True when the pattern has no wildcard (it matches only `source` itself).
    public var isLiteral: Bool {
        if case .literal = shape { return true }
        return false
    }

    public var description: String { source }

    /// True when the pattern names a tag or digest (`:` after the last `/`, or `@`); image
    /// patterns without one also match every tag and digest of the repository.
    let hasTagOrDigest: Bool

    /// The exact string matched, for a literal pattern (escapes removed); else `source`.
    var literalValue: String {
        if case let .literal(bytes) = shape { return String(decoding: bytes, as: UTF8.self) }
        return source
    }

    /// Whether the whole of `value` matches.
    public func matches(_ value: String) -> Bool {
        var v = value
        return v.withUTF8 { matches(utf8: $0) }
    }

    func matches(utf8 v: UnsafeBufferPointer<UInt8>) -> Bool {
        switch shape {
        case let .literal(l): return v.elementsEqual(l)
        case let .prefix(l): return v.count >= l.count && v.prefix(l.count).elementsEqual(l)
        case let .suffix(l): return v.count >= l.count && v.suffix(l.count).elementsEqual(l)
        case let .infix(l): return GlobPattern.contains(v, l)
        case let .general(tokens): return GlobPattern.match(tokens, v)
        }
    }

    private static func contains(_ h: UnsafeBufferPointer<UInt8>, _ n: [UInt8]) -> Bool {
        if n.isEmpty { return true }
        guard n.count <= h.count else { return false }
        var i = 0
        while i <= h.count - n.count {
            if h[i] == n[0] {
                var j = 1
                while j < n.count && h[i + j] == n[j] { j += 1 }
                if j == n.count { return true }
            }
            i += 1
        }
        return false
    }

    /// Iterative wildcard matching with single-star backtracking: O(pattern × value) worst case.
    private static func match(_ p: [Token], _ v: UnsafeBufferPointer<UInt8>) -> Bool {
        var pi = 0, vi = 0
        var starP = -1, starV = 0
        @inline(__always) func scalarLength(at i: Int) -> Int {
            var n = 1
            while i + n < v.count && v[i + n] & 0xC0 == 0x80 { n += 1 }
            return n
        }
        while vi < v.count {
            if pi < p.count {
                switch p[pi] {
                case .star:
                    starP = pi; starV = vi; pi += 1
                    continue
                case .any:
                    pi += 1; vi += scalarLength(at: vi)
                    continue
                case let .byte(b) where b == v[vi]:
                    pi += 1; vi += 1
                    continue
                default: break
                }
            }
            guard starP >= 0 else { return false }
            pi = starP + 1
            starV += scalarLength(at: starV)
            vi = starV
        }
        while pi < p.count, p[pi] == .star { pi += 1 }
        return pi == p.count
    }

    public static func == (a: GlobPattern, b: GlobPattern) -> Bool { a.source == b.source }
    public func hash(into hasher: inout Hasher) { hasher.combine(source) }

    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(source)
    }
}
