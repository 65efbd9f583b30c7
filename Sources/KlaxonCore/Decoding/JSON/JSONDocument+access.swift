/// Read access to the tape by node index. Decoders hold indices (plain `Int`s), not views, so the
/// hot loops do no reference counting.
extension JSONDocument {
    /// Members of an object as (key node, value node) pairs, in document order.
    struct Members: Sequence, IteratorProtocol {
        let nodes: [Node]
        var i: Int
        let end: Int
        mutating func next() -> (key: Int, value: Int)? {
            guard i < end else { return nil }
            let k = i
            let v = i + 1
            i = Int(nodes[v].next)
            return (k, v)
        }
    }

    /// Elements of an array (node indices), in order.
    struct Elements: Sequence, IteratorProtocol {
        let nodes: [Node]
        var i: Int
        let end: Int
        mutating func next() -> Int? {
            guard i < end else { return nil }
            let e = i
            i = Int(nodes[e].next)
            return e
        }
    }

    func members(_ object: Int) -> Members {
        guard nodes[object].kind == .object else { return Members(nodes: nodes, i: 0, end: 0) }
        return Members(nodes: nodes, i: object + 1, end: Int(nodes[object].next))
    }

    func elements(_ array: Int) -> Elements {
        guard nodes[array].kind == .array else { return Elements(nodes: nodes, i: 0, end: 0) }
        return Elements(nodes: nodes, i: array + 1, end: Int(nodes[array].next))
    }

    func count(_ container: Int) -> Int { Int(nodes[container].count) }

    /// Whether a string node's raw bytes equal `key` (keys with escapes are compared decoded).
    func stringEquals(_ node: Int, _ key: StaticString) -> Bool {
        let n = nodes[node]
        guard n.kind == .string else { return false }
        if n.flag { return string(node) == key.description }
        let len = Int(n.end - n.start)
        guard len == key.utf8CodeUnitCount else { return false }
        let k = key.utf8Start
        var i = 0
        let s = Int(n.start)
        while i < len {
            if bytes[s + i] != k[i] { return false }
            i += 1
        }
        return true
    }

    /// The value of `key` in an object, or nil when absent or `object` is not an object.
    func member(_ object: Int, _ key: StaticString) -> Int? {
        let o = nodes[object]
        guard o.kind == .object else { return nil }
        var i = object + 1
        let end = Int(o.next)
        while i < end {
            if stringEquals(i, key) { return i + 1 }
            i = Int(nodes[i + 1].next)
        }
        return nil
    }

    /// Follows a chain of keys; nil when any step is missing.
    func member(_ object: Int, _ k1: StaticString, _ k2: StaticString) -> Int? {
        guard let a = member(object, k1) else { return nil }
        return member(a, k2)
    }

    /// Like `member`, with a runtime key (for keys not known at compile time).
    func member(_ object: Int, named key: String) -> Int? {
        for (k, v) in members(object) where string(k) == key { return v }
        return nil
    }

    /// The string value of a string node; nil for any other kind.
    func string(_ node: Int) -> String? {
        let n = nodes[node]
        guard n.kind == .string else { return nil }
        let s = Int(n.start), e = Int(n.end)
        if !n.flag {
            return bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[s..<e]), as: UTF8.self) }
        }
        return unescape(s, e)
    }

    /// A scalar as text: strings as they are, numbers exactly as written (no precision lost),
    /// booleans as true/false. Nil for null, arrays and objects.
    func text(_ node: Int) -> String? {
        let n = nodes[node]
        switch n.kind {
        case .string: return string(node)
        case .number:
            return bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[Int(n.start)..<Int(n.end)]), as: UTF8.self) }
        case .bool: return n.flag ? "true" : "false"
        default: return nil
        }
    }

    /// A non-empty string member.
    func nonEmptyString(_ object: Int, _ key: StaticString) -> String? {
        guard let v = member(object, key), let s = string(v), !s.isEmpty else { return nil }
        return s
    }

    /// An integer number node that fits in Int64 (nil for fractions, exponents or overflow).
    func int64(_ node: Int) -> Int64? {
        let n = nodes[node]
        guard n.kind == .number, n.flag else { return nil }
        var i = Int(n.start)
        let end = Int(n.end)
        let negative = bytes[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        var v: Int64 = 0
        while i < end {
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let d = Int64(bytes[i] &- 0x30)
            let (a, o2) = negative ? m.subtractingReportingOverflow(d) : m.addingReportingOverflow(d)
            if o1 || o2 { return nil }
            v = a
            i += 1
        }
        return v
    }

    /// A number node as a finite Double (nil when not a number or out of range, e.g. 1e999).
    func double(_ node: Int) -> Double? {
        let n = nodes[node]
        guard n.kind == .number else { return nil }
        if n.flag, let i = int64(node) { return Double(i) }
        guard let s = text(node), let d = Double(s), d.isFinite else { return nil }
        return d
    }

    /// A number, or a string holding a number (AWS and SARIF write scores both ways).
    func lenientDouble(_ node: Int) -> Double? {
        if let d = double(node) { return d }
        guard let s = string(node), let d = Double(s.trimmingCharacters(in: .whitespaces)), d.isFinite else { return nil }
        return d
    }

    private func unescape(_ s: Int, _ e: Int) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(e - s)
        var i = s
        while i < e {
            let c = bytes[i]
            guard c == UInt8(ascii: "\\") else {
                out.append(c)
                i += 1
                continue
            }
            let t = bytes[i + 1]
            i += 2
            switch t {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hex4(i)
                i += 4
                if scalar >= 0xD800 && scalar < 0xDC00 {  // the parser checked the low half follows
                    let low = hex4(i + 2)
                    i += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                let u = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default: out.append(t)  // \" \\ \/
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private func hex4(_ i: Int) -> UInt32 {
        var v: UInt32 = 0
        for k in i..<(i + 4) { v = v << 4 | (JSONParser.hexValue(bytes[k]) ?? 0) }
        return v
    }
}

import Foundation
