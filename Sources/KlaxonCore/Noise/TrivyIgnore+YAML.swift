import Foundation

/// Trivy's `.trivyignore.yaml`: lists under `vulnerabilities`, `misconfigurations`, `secrets` and
/// `licenses`, each entry with `id`, optional `paths`, `purls`, `expired_at` and `statement`.
///
/// Imported as: `vulnerabilities` → a `vulnerability` condition, `misconfigurations` and
/// `secrets` → a `rule` condition (the `rule` or `avd_id` label); `statement` → `reason`;
/// `expired_at` → `expires`. Klaxon never widens an ignore: an entry narrowed by `paths` or
/// `purls`, or one without an `id`, is skipped with a warning (write an equivalent rule with
/// `package`/`artifact` by hand). `licenses` are not alerts in Klaxon and are skipped. Unknown
/// keys are reported and otherwise ignored, as Trivy ignores them.
extension TrivyIgnore {
    /// Reads a `.trivyignore` or, when `file` ends in `.yaml`/`.yml` (Trivy's own rule), a
    /// `.trivyignore.yaml`. Only YAML syntax errors throw.
    public static func load(_ text: String, owner: String, file: String) throws(ConfigError) -> Import {
        if file.hasSuffix(".yaml") || file.hasSuffix(".yml") { return try readYAML(text, owner: owner, file: file) }
        return read(text, owner: owner, file: file)
    }

    public static func readYAML(_ text: String, owner: String, file: String) throws(ConfigError) -> Import {
        var out = Import(rules: [], warnings: [])
        func warn(_ node: ConfigNode, _ message: String) {
            out.warnings.append(Warning(file: file, line: node.line, message: message))
        }
        guard let root = try RoutingConfigDecoder(file: file).root(yaml: text), !root.isNull else { return out }
        guard case let .mapping(m) = root.node else {
            throw root.error(.invalidValue, "expected a mapping, got \(root.kindName)")
        }
        var keys: Set<String> = []
        for (k, _) in m { if case let .scalar(s) = k { keys.insert(s.string) } }
        let top = try root.mapping(allowed: keys)
        for (key, keyNode, value) in top.entries {
            let condition: String
            switch key {
            case "vulnerabilities": condition = "vulnerability"
            case "misconfigurations", "secrets": condition = "rule"
            case "licenses":
                let n = (try? value.sequence().count) ?? 0
                if n > 0 { warn(keyNode, "licenses are not alerts in Klaxon; \(n) entries skipped") }
                continue
            default:
                warn(keyNode, "unknown section \"\(key)\" ignored")
                continue
            }
            for entry in try value.sequence() {
                if let rule = try yamlEntry(entry, condition: condition, owner: owner, warn: warn) { out.rules.append(rule) }
            }
        }
        return out
    }

    private static func yamlEntry(_ node: ConfigNode, condition: String, owner: String,
                                  warn: (ConfigNode, String) -> Void) throws(ConfigError) -> IgnoreRule? {
        guard case let .mapping(m) = node.node else {
            warn(node, "expected a mapping with an id; entry skipped")
            return nil
        }
        var keys: Set<String> = []
        for (k, _) in m { if case let .scalar(s) = k { keys.insert(s.string) } }
        let entry = try node.mapping(allowed: keys)
        for (key, keyNode, _) in entry.entries where !["id", "paths", "purls", "expired_at", "statement"].contains(key) {
            warn(keyNode, "unknown field \"\(key)\" ignored (Trivy ignores it too)")
        }
        let id = try? entry["id"]?.string()
        guard let id, !id.isEmpty else {
            warn(node, "entry without an id (paths or purls only) cannot be expressed as a Klaxon rule; skipped")
            return nil
        }
        for narrowing in ["paths", "purls"] where entry.has(narrowing) {
            warn(node, "\(id): \(narrowing) narrow this entry further than Klaxon can express; skipped (write a rule with package or artifact by hand)")
            return nil
        }
        var expires: Date?
        if let e = entry["expired_at"] {
            guard let text = try? e.string(), let d = NoiseConfigDecoder.parseDate(text) else {
                warn(e, "\(id): expired_at is not a date; entry skipped")
                return nil
            }
            expires = d
        }
        var reason = ((try? entry["statement"]?.string()) ?? nil) ?? ""
        if reason.allSatisfy(\.isWhitespace) { reason = "imported from \(node.file):\(node.line) (no statement given)" }
        let origin = ConfigOrigin(file: node.file, line: node.line, column: node.column, keyPath: "")
        return condition == "vulnerability"
            ? IgnoreRule(vulnerabilities: [id], reason: reason, owner: owner, expires: expires, origin: origin)
            : IgnoreRule(rules: [id], reason: reason, owner: owner, expires: expires, origin: origin)
    }
}
