import Foundation

/// How an object spells its keys. AWS writes one finding camelCase (EventBridge `detail`, the raw
/// API, SDK exporters) or PascalCase (the AWS CLI's `get-findings`): the same names with the
/// first letter upper-cased.
enum KeyCase: Sendable {
    case camel, pascal

    /// `key` as this case spells it (for error paths).
    func spell(_ key: StaticString) -> String {
        let s = key.description
        guard self == .pascal, let first = s.first else { return s }
        return first.uppercased() + s.dropFirst()
    }
}

extension JSONDocument {
    /// Whether a string node equals `key` with its first letter upper-cased (ASCII keys only).
    func stringEqualsPascal(_ node: Int, _ key: StaticString) -> Bool {
        let n = nodes[node]
        guard n.kind == .string else { return false }
        if n.flag { return string(node) == KeyCase.pascal.spell(key) }
        let len = Int(n.end - n.start)
        guard len == key.utf8CodeUnitCount, len > 0 else { return false }
        let k = key.utf8Start
        let s = Int(n.start)
        var first = k[0]
        if first >= 0x61 && first <= 0x7A { first -= 0x20 }
        guard bytes[s] == first else { return false }
        var i = 1
        while i < len {
            if bytes[s + i] != k[i] { return false }
            i += 1
        }
        return true
    }

    /// `member` with the key spelled in `keyCase` (`key` is written camelCase).
    func member(_ object: Int, _ key: StaticString, _ keyCase: KeyCase) -> Int? {
        guard keyCase == .pascal else { return member(object, key) }
        let o = nodes[object]
        guard o.kind == .object else { return nil }
        var i = object + 1
        let end = Int(o.next)
        while i < end {
            if stringEqualsPascal(i, key) { return i + 1 }
            i = Int(nodes[i + 1].next)
        }
        return nil
    }

    func requireString(_ object: Int, _ key: StaticString, _ keyCase: KeyCase) throws(DecodeError) -> String {
        guard let v = member(object, key, keyCase) else {
            throw DecodeError(path: path(of: object, key: keyCase.spell(key)), "missing")
        }
        guard let s = string(v) else { throw typeError(v, "a string") }
        guard !s.isEmpty else { throw error(v, "must not be empty") }
        return s
    }

    func optionalString(_ object: Int, _ key: StaticString, _ keyCase: KeyCase) throws(DecodeError) -> String? {
        guard let v = member(object, key, keyCase), nodes[v].kind != .null else { return nil }
        guard let s = string(v) else { throw typeError(v, "a string") }
        return s
    }

    func optionalObject(_ object: Int, _ key: StaticString, _ keyCase: KeyCase) throws(DecodeError) -> Int? {
        guard let v = member(object, key, keyCase), nodes[v].kind != .null else { return nil }
        guard nodes[v].kind == .object else { throw typeError(v, "an object") }
        return v
    }

    func nonEmptyString(_ object: Int, _ key: StaticString, _ keyCase: KeyCase) -> String? {
        guard let v = member(object, key, keyCase), let s = string(v), !s.isEmpty else { return nil }
        return s
    }

    /// An AWS timestamp as the CLI prints it: an ISO 8601 string (CLI v2, SDK exporters) or a
    /// number of seconds since 1970 (CLI v1 passes the wire value through). Nil when absent.
    func awsTime(_ object: Int, _ key: StaticString, _ keyCase: KeyCase = .camel) throws(DecodeError) -> Date? {
        guard let v = member(object, key, keyCase), nodes[v].kind != .null else { return nil }
        if let seconds = double(v) {
            guard seconds >= 0, seconds < 1e11 else { throw error(v, "epoch seconds out of range: \(seconds)") }
            return Date(timeIntervalSince1970: seconds)
        }
        guard let s = string(v) else { throw typeError(v, "a timestamp string or epoch seconds") }
        guard let d = Timestamps.rfc3339(s) else { throw error(v, "not an RFC 3339 timestamp: \(s)") }
        return d
    }
}
