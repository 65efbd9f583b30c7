/// JSON paths for error messages (`Results[3].Vulnerabilities[12].Severity`), computed from the
/// tape only when an error is reported, so successful decodes never build path strings.
enum JSONPath {
    /// `.key` for identifier-like keys, `["odd key"]` otherwise (Falco keys contain dots).
    static func keyComponent(_ key: String) -> String {
        let plain = !key.isEmpty && key.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A) || c == 0x5F || c == 0x2D
        }
        if plain { return key }
        let escaped = key.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "[\"\(escaped)\"]"
    }

    static func join(_ path: String, key: String) -> String {
        let c = keyComponent(key)
        if path.isEmpty { return c }
        return c.hasPrefix("[") ? path + c : path + "." + c
    }
}

extension JSONDocument {
    /// The path from the document root to `node`. With several top-level values (NDJSON) the
    /// path starts with `#n`, the 1-based position of the value.
    func path(of node: Int) -> String {
        var rootIndex = 0
        for (n, r) in roots.enumerated() where r <= node && node < Int(nodes[r].next) { rootIndex = n }
        var path = roots.count > 1 ? "#\(rootIndex + 1)" : ""
        var current = roots.isEmpty ? 0 : roots[rootIndex]
        while current != node {
            let c = nodes[current]
            var advanced = false
            if c.kind == .object {
                for (k, v) in members(current) where v <= node && node < Int(nodes[v].next) || k == node {
                    path = JSONPath.join(path, key: string(k) ?? "?")
                    current = v
                    advanced = true
                    break
                }
            } else if c.kind == .array {
                for (i, e) in elements(current).enumerated() where e <= node && node < Int(nodes[e].next) {
                    path += "[\(i)]"
                    current = e
                    advanced = true
                    break
                }
            }
            if !advanced { break }
        }
        return path
    }

    /// The path of `key` inside `object`, whether or not the key exists.
    func path(of object: Int, key: String) -> String {
        JSONPath.join(path(of: object), key: key)
    }

    func kindName(_ node: Int) -> String {
        switch nodes[node].kind {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    // MARK: Required values: throw a DecodeError naming the path and the problem.

    func requireObject(_ node: Int) throws(DecodeError) -> Int {
        guard nodes[node].kind == .object else { throw typeError(node, "an object") }
        return node
    }

    func requireMember(_ object: Int, _ key: StaticString) throws(DecodeError) -> Int {
        guard let v = member(object, key) else {
            throw DecodeError(path: path(of: object, key: key.description), "missing")
        }
        return v
    }

    /// A required string; empty counts as missing (an empty id or name identifies nothing).
    func requireString(_ object: Int, _ key: StaticString) throws(DecodeError) -> String {
        let v = try requireMember(object, key)
        guard let s = string(v) else { throw typeError(v, "a string") }
        guard !s.isEmpty else { throw error(v, "must not be empty") }
        return s
    }

    /// A string member that may be absent or null, but must be a string when present.
    func optionalString(_ object: Int, _ key: StaticString) throws(DecodeError) -> String? {
        guard let v = member(object, key), nodes[v].kind != .null else { return nil }
        guard let s = string(v) else { throw typeError(v, "a string") }
        return s
    }

    /// An array member that may be absent or null; its element nodes, or a type error.
    func optionalArray(_ object: Int, _ key: StaticString) throws(DecodeError) -> Elements? {
        guard let v = member(object, key), nodes[v].kind != .null else { return nil }
        guard nodes[v].kind == .array else { throw typeError(v, "an array") }
        return elements(v)
    }

    func optionalObject(_ object: Int, _ key: StaticString) throws(DecodeError) -> Int? {
        guard let v = member(object, key), nodes[v].kind != .null else { return nil }
        guard nodes[v].kind == .object else { throw typeError(v, "an object") }
        return v
    }

    func typeError(_ node: Int, _ expected: String) -> DecodeError {
        DecodeError(path: path(of: node), "expected \(expected), found \(kindName(node))")
    }

    func error(_ node: Int, _ message: String) -> DecodeError {
        DecodeError(path: path(of: node), message)
    }
}

import Foundation

extension JSONDocument {
    /// An object whose values must all be strings (labels, annotations).
    func stringMap(_ obj: Int) throws(DecodeError) -> [String: String] {
        var out: [String: String] = [:]
        for (k, v) in members(obj) {
            guard let key = string(k) else { continue }
            guard let s = string(v) else { throw typeError(v, "a string") }
            out[key] = s
        }
        return out
    }

    /// An optional member holding an RFC 3339 time.
    func optionalRFC3339(_ obj: Int, _ key: StaticString) throws(DecodeError) -> Date? {
        guard let s = try optionalString(obj, key) else { return nil }
        guard let d = Timestamps.rfc3339(s) else {
            throw DecodeError(path: path(of: obj, key: key.description), "not an RFC 3339 timestamp: \(s)")
        }
        return d
    }
}
