/// A strict RFC 8259 parser that fills a `JSONDocument` tape. It validates UTF-8, escapes and
/// number syntax, limits nesting depth, and reports the path and byte offset of the first error.
struct JSONParseError: Error {
    var path: String
    var message: String
    var offset: Int

    /// Adds the enclosing key or index while the error travels up the recursion.
    func inside(key: String) -> JSONParseError {
        var e = self
        let component = JSONPath.keyComponent(key)
        e.path = path.isEmpty ? component : component + (path.hasPrefix("[") ? path : "." + path)
        return e
    }

    func inside(index: Int) -> JSONParseError {
        var e = self
        e.path = "[\(index)]" + (path.isEmpty || path.hasPrefix("[") ? path : "." + path)
        return e
    }
}

struct JSONParser {
    let bytes: [UInt8]
    var nodes: [JSONDocument.Node] = []
    var roots: [Int] = []
    private var pos = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
        // A node per ~12 bytes is typical of pretty-printed reports; avoids regrowth.
        nodes.reserveCapacity(min(bytes.count / 12 + 4, 1 << 20))
    }

    mutating func parseAll() throws(JSONParseError) {
        try bytes.withUnsafeBufferPointer { (buf) throws(JSONParseError) in
            skipBOM(buf)
            skipWhitespace(buf)
            guard pos < buf.count else { throw fail("empty input") }
            while pos < buf.count {
                let root = nodes.count
                try parseValue(buf, depth: 0)
                roots.append(root)
                skipWhitespace(buf)
            }
        }
    }

    private func fail(_ message: String) -> JSONParseError {
        JSONParseError(path: "", message: message, offset: pos)
    }

    private mutating func skipBOM(_ b: UnsafeBufferPointer<UInt8>) {
        if b.count >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF { pos = 3 }
    }

    @inline(__always) private mutating func skipWhitespace(_ b: UnsafeBufferPointer<UInt8>) {
        while pos < b.count {
            let c = b[pos]
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            pos += 1
        }
    }

    private mutating func parseValue(_ b: UnsafeBufferPointer<UInt8>, depth: Int) throws(JSONParseError) {
        guard pos < b.count else { throw fail("unexpected end of input") }
        switch b[pos] {
        case UInt8(ascii: "{"): try parseObject(b, depth: depth + 1)
        case UInt8(ascii: "["): try parseArray(b, depth: depth + 1)
        case UInt8(ascii: "\""): try parseString(b)
        case UInt8(ascii: "t"): try parseLiteral(b, "true", .bool, flag: true)
        case UInt8(ascii: "f"): try parseLiteral(b, "false", .bool, flag: false)
        case UInt8(ascii: "n"): try parseLiteral(b, "null", .null, flag: false)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try parseNumber(b)
        default: throw fail("unexpected character \(Self.describe(b[pos]))")
        }
    }

    private static func describe(_ c: UInt8) -> String {
        (0x21..<0x7F).contains(c) ? "'\(Character(Unicode.Scalar(c)))'" : "byte 0x\(String(c, radix: 16))"
    }

    private mutating func parseLiteral(_ b: UnsafeBufferPointer<UInt8>, _ word: StaticString, _ kind: JSONDocument.Kind, flag: Bool) throws(JSONParseError) {
        let n = word.utf8CodeUnitCount
        guard pos + n <= b.count else { throw fail("unexpected end of input") }
        let w = word.utf8Start
        for k in 0..<n where b[pos + k] != w[k] { throw fail("invalid literal") }
        nodes.append(.init(kind: kind, flag: flag, start: Int32(pos), end: Int32(pos + n), next: Int32(nodes.count + 1), count: 0))
        pos += n
    }

    private mutating func parseNumber(_ b: UnsafeBufferPointer<UInt8>) throws(JSONParseError) {
        let start = pos
        var integer = true
        if b[pos] == UInt8(ascii: "-") { pos += 1 }
        guard pos < b.count, isDigit(b[pos]) else { throw fail("invalid number") }
        if b[pos] == UInt8(ascii: "0") {
            pos += 1
        } else {
            while pos < b.count, isDigit(b[pos]) { pos += 1 }
        }
        if pos < b.count, b[pos] == UInt8(ascii: ".") {
            integer = false
            pos += 1
            guard pos < b.count, isDigit(b[pos]) else { throw fail("invalid number: digit expected after '.'") }
            while pos < b.count, isDigit(b[pos]) { pos += 1 }
        }
        if pos < b.count, b[pos] | 0x20 == UInt8(ascii: "e") {
            integer = false
            pos += 1
            if pos < b.count, b[pos] == UInt8(ascii: "+") || b[pos] == UInt8(ascii: "-") { pos += 1 }
            guard pos < b.count, isDigit(b[pos]) else { throw fail("invalid number: digit expected in exponent") }
            while pos < b.count, isDigit(b[pos]) { pos += 1 }
        }
        nodes.append(.init(kind: .number, flag: integer, start: Int32(start), end: Int32(pos), next: Int32(nodes.count + 1), count: 0))
    }

    @inline(__always) private func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }

    /// Scans a string, validating UTF-8 and escapes; records the raw range and whether it has escapes.
    private mutating func parseString(_ b: UnsafeBufferPointer<UInt8>) throws(JSONParseError) {
        pos += 1  // opening quote
        let start = pos
        var escaped = false
        while true {
            guard pos < b.count else { throw fail("unterminated string") }
            let c = b[pos]
            if c == UInt8(ascii: "\"") { break }
            if c == UInt8(ascii: "\\") {
                escaped = true
                try scanEscape(b)
            } else if c < 0x20 {
                throw fail("control character in string")
            } else if c < 0x80 {
                pos += 1
            } else {
                try scanUTF8(b)
            }
        }
        nodes.append(.init(kind: .string, flag: escaped, start: Int32(start), end: Int32(pos), next: Int32(nodes.count + 1), count: 0))
        pos += 1  // closing quote
    }

    private mutating func scanEscape(_ b: UnsafeBufferPointer<UInt8>) throws(JSONParseError) {
        guard pos + 1 < b.count else { throw fail("unterminated string") }
        switch b[pos + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
             UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            pos += 2
        case UInt8(ascii: "u"):
            let unit = try hex4(b, at: pos + 2)
            pos += 6
            if unit >= 0xD800 && unit < 0xDC00 {
                // A high surrogate must be followed by an escaped low surrogate.
                guard pos + 1 < b.count, b[pos] == UInt8(ascii: "\\"), b[pos + 1] == UInt8(ascii: "u") else {
                    throw fail("lone surrogate in \\u escape")
                }
                let low = try hex4(b, at: pos + 2)
                guard low >= 0xDC00 && low < 0xE000 else { throw fail("lone surrogate in \\u escape") }
                pos += 6
            } else if unit >= 0xDC00 && unit < 0xE000 {
                throw fail("lone surrogate in \\u escape")
            }
        default:
            throw fail("invalid escape in string")
        }
    }

    private func hex4(_ b: UnsafeBufferPointer<UInt8>, at i: Int) throws(JSONParseError) -> UInt32 {
        guard i + 4 <= b.count else { throw fail("unterminated \\u escape") }
        var v: UInt32 = 0
        for k in i..<(i + 4) {
            guard let d = JSONParser.hexValue(b[k]) else { throw fail("invalid \\u escape") }
            v = v << 4 | d
        }
        return v
    }

    static func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(c - 0x30)
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(c - 0x61 + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(c - 0x41 + 10)
        default: nil
        }
    }

    /// Validates one multi-byte UTF-8 sequence (no overlongs, no surrogates, ≤ U+10FFFF).
    private mutating func scanUTF8(_ b: UnsafeBufferPointer<UInt8>) throws(JSONParseError) {
        let c = b[pos]
        let n: Int
        var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
        switch c {
        case 0xC2...0xDF: n = 1
        case 0xE0: n = 2; lo = 0xA0
        case 0xE1...0xEC, 0xEE, 0xEF: n = 2
        case 0xED: n = 2; hi = 0x9F
        case 0xF0: n = 3; lo = 0x90
        case 0xF1...0xF3: n = 3
        case 0xF4: n = 3; hi = 0x8F
        default: throw fail("invalid UTF-8")
        }
        guard pos + n < b.count else { throw fail("invalid UTF-8 (truncated sequence)") }
        let c1 = b[pos + 1]
        guard c1 >= lo && c1 <= hi else { throw fail("invalid UTF-8") }
        var k = 2
        while k <= n {
            guard b[pos + k] & 0xC0 == 0x80 else { throw fail("invalid UTF-8") }
            k += 1
        }
        pos += n + 1
    }

    private mutating func parseArray(_ b: UnsafeBufferPointer<UInt8>, depth: Int) throws(JSONParseError) {
        guard depth <= JSONDocument.maxDepth else { throw fail("nesting deeper than \(JSONDocument.maxDepth)") }
        let me = nodes.count
        nodes.append(.init(kind: .array, flag: false, start: Int32(pos), end: 0, next: 0, count: 0))
        pos += 1
        skipWhitespace(b)
        var count = 0
        if pos < b.count, b[pos] == UInt8(ascii: "]") {
            pos += 1
        } else {
            while true {
                do {
                    try parseValue(b, depth: depth)
                } catch {
                    throw error.inside(index: count)
                }
                count += 1
                skipWhitespace(b)
                guard pos < b.count else { throw fail("unexpected end of input in array").inside(index: count - 1) }
                if b[pos] == UInt8(ascii: ",") {
                    pos += 1
                    skipWhitespace(b)
                } else if b[pos] == UInt8(ascii: "]") {
                    pos += 1
                    break
                } else {
                    throw fail("expected ',' or ']' in array").inside(index: count - 1)
                }
            }
        }
        nodes[me].end = Int32(pos)
        nodes[me].next = Int32(nodes.count)
        nodes[me].count = Int32(count)
    }

    private mutating func parseObject(_ b: UnsafeBufferPointer<UInt8>, depth: Int) throws(JSONParseError) {
        guard depth <= JSONDocument.maxDepth else { throw fail("nesting deeper than \(JSONDocument.maxDepth)") }
        let me = nodes.count
        nodes.append(.init(kind: .object, flag: false, start: Int32(pos), end: 0, next: 0, count: 0))
        pos += 1
        skipWhitespace(b)
        var count = 0
        if pos < b.count, b[pos] == UInt8(ascii: "}") {
            pos += 1
        } else {
            while true {
                guard pos < b.count else { throw fail("unexpected end of input in object") }
                guard b[pos] == UInt8(ascii: "\"") else { throw fail("expected a string key in object") }
                let keyNode = nodes.count
                try parseString(b)
                skipWhitespace(b)
                guard pos < b.count, b[pos] == UInt8(ascii: ":") else {
                    throw fail("expected ':' after key").inside(key: keyText(b, keyNode))
                }
                pos += 1
                skipWhitespace(b)
                do {
                    try parseValue(b, depth: depth)
                } catch {
                    throw error.inside(key: keyText(b, keyNode))
                }
                count += 1
                skipWhitespace(b)
                guard pos < b.count else { throw fail("unexpected end of input in object") }
                if b[pos] == UInt8(ascii: ",") {
                    pos += 1
                    skipWhitespace(b)
                } else if b[pos] == UInt8(ascii: "}") {
                    pos += 1
                    break
                } else {
                    throw fail("expected ',' or '}' in object").inside(key: keyText(b, keyNode))
                }
            }
        }
        nodes[me].end = Int32(pos)
        nodes[me].next = Int32(nodes.count)
        nodes[me].count = Int32(count)
    }

    /// Only used on the error path: the raw key text (escapes left as written), for messages.
    private func keyText(_ b: UnsafeBufferPointer<UInt8>, _ node: Int) -> String {
        let n = nodes[node]
        return String(decoding: UnsafeBufferPointer(rebasing: b[Int(n.start)..<Int(n.end)]), as: UTF8.self)
    }
}
