import Foundation

/// Renders ignore rules as a `suppressions:` section that `NoiseConfig.load` reads back to the
/// same rules (strings double-quoted with YAML escapes, date-only expiries as `YYYY-MM-DD`).
public enum SuppressionYAML {
    public static func render(_ rules: [IgnoreRule]) -> String {
        var out = "suppressions:\n"
        if rules.isEmpty { return "suppressions: []\n" }
        for rule in rules {
            if let o = rule.origin { out += "  # from \(o)\n" }
            var first = true
            func field(_ key: String, _ value: String) {
                out += (first ? "  - " : "    ") + key + ": " + value + "\n"
                first = false
            }
            func patterns(_ key: String, _ ps: [GlobPattern]) {
                guard !ps.isEmpty else { return }
                field(key, ps.count == 1 ? quote(ps[0].source) : "[" + ps.map { quote($0.source) }.joined(separator: ", ") + "]")
            }
            if let name = rule.name { field("name", quote(name)) }
            patterns("vulnerability", rule.vulnerabilities)
            patterns("id", rule.ids)
            patterns("package", rule.packages)
            patterns("image", rule.images)
            patterns("artifact", rule.artifacts)
            patterns("rule", rule.rules)
            if !rule.matchers.isEmpty {
                field("matchers", "[" + rule.matchers.map { quote($0.description) }.joined(separator: ", ") + "]")
            }
            field("reason", quote(rule.reason))
            field("owner", quote(rule.owner))
            if let e = rule.expires { field("expires", NoiseFormat.date(e)) }
        }
        return out
    }

    /// A YAML double-quoted scalar. Go's quoting escapes (`\a`, `\x7f`, `\u2028`, …) are all valid
    /// YAML double-quoted escapes.
    static func quote(_ s: String) -> String { GoQuote.quote(s) }
}
