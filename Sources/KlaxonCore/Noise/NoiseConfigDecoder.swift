import Foundation

/// Strict decoding of one `suppressions[i]` or `thresholds[i]` entry.
enum NoiseConfigDecoder {
    static let conditionKeys = ["vulnerability", "id", "package", "image", "artifact", "scope", "rule", "matchers"]

    static func ignoreRule(_ node: ConfigNode) throws(ConfigError) -> IgnoreRule {
        let m = try node.mapping(allowed: Set(conditionKeys + ["name", "reason", "owner", "expires"]))
        let decoder = RoutingConfigDecoder(file: node.file)
        let name = try nonEmpty(m, "name")
        guard let reason = try nonEmpty(m, "reason") else { throw missing(node, m, "reason") }
        guard let owner = try nonEmpty(m, "owner") else { throw missing(node, m, "owner") }
        var expires: Date?
        if let e = m["expires"] { expires = try date(e) }
        if m.has("artifact"), m.has("scope"), let n = m.keyNode("scope") {
            throw n.error(.invalidValue, "artifact and scope mean the same; give only one")
        }
        let rule = IgnoreRule(
            name: name,
            vulnerabilities: try patterns(m["vulnerability"]),
            ids: try patterns(m["id"]),
            packages: try patterns(m["package"]),
            images: try patterns(m["image"]),
            artifacts: try patterns(m["artifact"] ?? m["scope"]),
            rules: try patterns(m["rule"]),
            matchers: try m["matchers"].map { n throws(ConfigError) in try decoder.matcherList(n) } ?? [],
            reason: reason, owner: owner, expires: expires, origin: node.origin)
        guard rule.hasCondition else {
            throw node.error(.missingKey, "a suppression needs at least one condition (vulnerability, id, package, image, artifact, scope, rule or matchers)")
        }
        return rule
    }

    static func thresholdRule(_ node: ConfigNode) throws(ConfigError) -> ThresholdRule {
        let m = try node.mapping(allowed: ["name", "matchers", "count", "window", "group_by", "min_interval"])
        let decoder = RoutingConfigDecoder(file: node.file)
        let name = try nonEmpty(m, "name")
        guard let matcherNode = m["matchers"] else { throw missing(node, m, "matchers") }
        let matchers = try decoder.matcherList(matcherNode)
        if matchers.isEmpty { throw matcherNode.error(.invalidValue, "at least one matcher is required") }
        var count = 1
        if let n = m["count"] {
            count = try n.int()
            guard count >= 1 else { throw n.error(.invalidValue, "count must be at least 1, got \(count)") }
        }
        guard let windowNode = m["window"] else { throw missing(node, m, "window") }
        let window = try windowNode.duration()
        guard window > .zero else { throw windowNode.error(.invalidValue, "window must be longer than 0s") }
        var groupBy: [String]?
        if let g = m["group_by"] {
            var labels: [String] = []
            for item in try g.sequence() {
                let label = try item.string()
                guard Matcher.isValidLabelName(label) else { throw item.error(.invalidValue, "invalid label name \"\(label)\"") }
                labels.append(label)
            }
            if labels.isEmpty { throw g.error(.invalidValue, "group_by must name at least one label (omit it to count per fingerprint)") }
            groupBy = labels
        }
        let minInterval = try m.duration("min_interval") ?? .zero
        return ThresholdRule(name: name, matchers: matchers, count: count, window: window, groupBy: groupBy,
                             minInterval: minInterval, origin: node.origin)
    }

    private static func missing(_ node: ConfigNode, _ m: ConfigMapping, _ key: String) -> ConfigError {
        node.error(.missingKey, "missing required field \(key)")
    }

    /// A non-empty string, or nil when absent; an empty or blank value is an error.
    private static func nonEmpty(_ m: ConfigMapping, _ key: String) throws(ConfigError) -> String? {
        guard let n = m[key] else { return nil }
        let s = try n.string()
        guard !s.allSatisfy(\.isWhitespace) else { throw n.error(.invalidValue, "\(key) must not be empty") }
        return s
    }

    /// A string or a list of strings, each a glob pattern.
    private static func patterns(_ node: ConfigNode?) throws(ConfigError) -> [String] {
        guard let node else { return [] }
        let values: [String]
        if case .sequence = node.node { values = try node.stringList() } else { values = [try node.string()] }
        for v in values where v.isEmpty { throw node.error(.invalidValue, "patterns must not be empty") }
        if values.isEmpty { throw node.error(.invalidValue, "expected at least one pattern") }
        return values
    }

    /// `YYYY-MM-DD` (midnight UTC, as Trivy's `exp:`) or an RFC 3339 timestamp.
    static func date(_ node: ConfigNode) throws(ConfigError) -> Date {
        let bad = node.error(.invalidValue, "expected a date (YYYY-MM-DD or RFC 3339)")
        guard case let .scalar(s) = node.node else { throw bad }
        guard let d = parseDate(s.string) else { throw bad }
        return d
    }

    static func parseDate(_ text: String) -> Date? {
        if let d = parseDay(text) { return d }
        return Timestamps.rfc3339(text)
    }

    /// Exactly `YYYY-MM-DD` with a real calendar day, as Go's `time.Parse("2006-01-02", …)`.
    static func parseDay(_ text: String) -> Date? {
        let b = Array(text.utf8)
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return nil }
        func num(_ r: Range<Int>) -> Int? {
            var n = 0
            for i in r { guard b[i] >= 48 && b[i] <= 57 else { return nil }; n = n * 10 + Int(b[i] - 48) }
            return n
        }
        guard let y = num(0..<4), let mo = num(5..<7), let d = num(8..<10),
              (1...12).contains(mo), d >= 1, d <= Timestamps.daysIn(month: mo, year: y) else { return nil }
        return Timestamps.make(year: y, month: mo, day: d, hour: 0, minute: 0, second: 0)
    }
}
