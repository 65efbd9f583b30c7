import Yams

/// A YAML node together with where it is (file, mark) and how it was reached (key path).
/// The strict decoders walk these; every error they raise cites the node's position.
struct ConfigNode {
    let node: Node
    let file: String
    let path: String

    var line: Int { node.mark?.line ?? 0 }
    var column: Int { node.mark?.column ?? 0 }

    func error(_ code: ConfigError.Code, _ reason: String) -> ConfigError {
        ConfigError(code: code, file: file, line: line, column: column, keyPath: path, reason: reason)
    }

    func warning(_ message: String) -> ConfigWarning {
        ConfigWarning(file: file, line: line, column: column, keyPath: path, message: message)
    }

    /// True for `~`, `null` or an empty plain scalar.
    var isNull: Bool {
        guard case let .scalar(s) = node else { return false }
        return s.style == .plain && (s.string.isEmpty || s.string == "~" || s.string == "null" || s.string == "Null" || s.string == "NULL")
    }

    private func child(_ node: Node, key: String) -> ConfigNode {
        ConfigNode(node: node, file: file, path: path.isEmpty ? key : "\(path).\(key)")
    }

    // MARK: Shapes

    /// The node as a mapping whose keys must all be in `allowed`; the first unknown key is an error.
    /// YAML merge keys (`<<: *defaults`, or a list of aliases) are applied: explicit keys win.
    func mapping(allowed: Set<String>) throws(ConfigError) -> ConfigMapping {
        guard case let .mapping(m) = node else {
            throw error(.invalidValue, "expected a mapping, got \(kindName)")
        }
        var entries: [(String, ConfigNode, ConfigNode)] = []
        var seen: Set<String> = []
        var merged: [(String, ConfigNode, ConfigNode)] = []
        for (k, v) in m {
            guard case let .scalar(ks) = k else {
                throw ConfigNode(node: k, file: file, path: path).error(.invalidValue, "mapping keys must be strings")
            }
            if ks.string == "<<" && ks.style == .plain {
                let mergeNode = ConfigNode(node: v, file: file, path: path)
                let sources: [ConfigNode]
                if case .sequence = v { sources = try mergeNode.sequence().map { ConfigNode(node: $0.node, file: file, path: path) } }
                else { sources = [mergeNode] }
                for source in sources {
                    for entry in try source.mapping(allowed: allowed).entries where !merged.contains(where: { $0.0 == entry.0 }) {
                        merged.append(entry)
                    }
                }
                continue
            }
            let keyNode = ConfigNode(node: k, file: file, path: path.isEmpty ? ks.string : "\(path).\(ks.string)")
            guard allowed.contains(ks.string) else {
                throw keyNode.error(.unknownKey, "unknown field \"\(ks.string)\"")
            }
            guard seen.insert(ks.string).inserted else {
                throw keyNode.error(.duplicate, "field \"\(ks.string)\" appears twice")
            }
            entries.append((ks.string, keyNode, child(v, key: ks.string)))
        }
        for entry in merged where !seen.contains(entry.0) { entries.append(entry) }
        return ConfigMapping(owner: self, entries: entries)
    }

    /// The node as a list of nodes (a null node is an empty list).
    func sequence() throws(ConfigError) -> [ConfigNode] {
        if isNull { return [] }
        guard case let .sequence(s) = node else {
            throw error(.invalidValue, "expected a list, got \(kindName)")
        }
        return s.enumerated().map { ConfigNode(node: $0.element, file: file, path: "\(path)[\($0.offset)]") }
    }

    /// The node as a string scalar.
    func string() throws(ConfigError) -> String {
        guard case let .scalar(s) = node else {
            throw error(.invalidValue, "expected a string, got \(kindName)")
        }
        return s.string
    }

    func bool() throws(ConfigError) -> Bool {
        guard case let .scalar(s) = node else {
            throw error(.invalidValue, "expected true or false, got \(kindName)")
        }
        switch s.string {
        case "true", "True", "TRUE", "yes", "on": return true
        case "false", "False", "FALSE", "no", "off": return false
        default: throw error(.invalidValue, "expected true or false, got \"\(s.string)\"")
        }
    }

    func int() throws(ConfigError) -> Int {
        let s = try string()
        guard let n = Int(s) else { throw error(.invalidValue, "expected an integer, got \"\(s)\"") }
        return n
    }

    func duration() throws(ConfigError) -> Duration {
        let s = try string()
        guard let d = ConfigDuration.parse(s) else {
            throw error(.invalidValue, "not a valid duration string: \"\(s)\"")
        }
        return d
    }

    func stringList() throws(ConfigError) -> [String] {
        var out: [String] = []
        for item in try sequence() { out.append(try item.string()) }
        return out
    }

    /// A mapping of string to string (`match:`, `attributes:`, `details:`), in document order.
    func stringMap() throws(ConfigError) -> [(key: String, value: String, node: ConfigNode)] {
        if isNull { return [] }
        guard case let .mapping(m) = node else {
            throw error(.invalidValue, "expected a mapping, got \(kindName)")
        }
        var out: [(key: String, value: String, node: ConfigNode)] = []
        for (k, v) in m {
            guard case let .scalar(ks) = k else {
                throw ConfigNode(node: k, file: file, path: path).error(.invalidValue, "mapping keys must be strings")
            }
            let c = child(v, key: ks.string)
            out.append((ks.string, try c.string(), c))
        }
        return out
    }

    var kindName: String {
        switch node {
        case .scalar: "a scalar"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }
}

/// The entries of a strictly checked mapping, looked up by key.
struct ConfigMapping {
    let owner: ConfigNode
    /// (key, key node, value node) in document order.
    let entries: [(String, ConfigNode, ConfigNode)]

    subscript(key: String) -> ConfigNode? {
        for (k, _, v) in entries where k == key { return v.isNull ? nil : v }
        return nil
    }

    /// The key node itself (its position is where the key is written).
    func keyNode(_ key: String) -> ConfigNode? {
        for (k, keyNode, _) in entries where k == key { return keyNode }
        return nil
    }

    func has(_ key: String) -> Bool { self[key] != nil }

    func required(_ key: String) throws(ConfigError) -> ConfigNode {
        guard let v = self[key] else {
            throw owner.error(.missingKey, "missing required field \(key)")
        }
        return v
    }

    func string(_ key: String) throws(ConfigError) -> String? { try self[key]?.string() }
    func bool(_ key: String) throws(ConfigError) -> Bool? { try self[key]?.bool() }
    func int(_ key: String) throws(ConfigError) -> Int? { try self[key]?.int() }
    func duration(_ key: String) throws(ConfigError) -> Duration? { try self[key]?.duration() }
    func stringList(_ key: String) throws(ConfigError) -> [String]? { try self[key]?.stringList() }
    func stringMap(_ key: String) throws(ConfigError) -> [String: String] {
        guard let node = self[key] else { return [:] }
        var out: [String: String] = [:]
        for (k, v, _) in try node.stringMap() { out[k] = v }
        return out
    }
}
