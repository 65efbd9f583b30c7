import Foundation

/// Klaxon's noise-control sections of `routes/*.yml`: `suppressions:` (ignore rules) and
/// `thresholds:`. Rules from several files are concatenated in the order the files are given.
///
/// Ignore rules are indexed by their literal ids (`vulnerability`, `id`, `rule` without
/// wildcards), so a long imported `.trivyignore` costs a few dictionary lookups per alert, not a
/// scan; the first matching rule in configuration order still wins.
public struct NoiseConfig: Sendable, Hashable {
    /// Ignore rules in configuration order. Setting it rebuilds the index.
    public var suppressions: [IgnoreRule] {
        didSet { index = IgnoreIndex(suppressions) }
    }
    public var thresholds: [ThresholdRule]
    /// Minimum severity that notifies, per `environment` label (`environment_thresholds:`).
    /// Alerts without an environment, or of an environment not listed, are not held back.
    public var environmentThresholds: [String: Severity.Level]
    private var index: IgnoreIndex

    /// The ops guide's defaults: local and dev notify from medium, staging and prod from high.
    /// A route file's `environment_thresholds:` replaces them (`{}` turns them off).
    public static let defaultEnvironmentThresholds: [String: Severity.Level] = [
        "local": .medium, "dev": .medium, "development": .medium, "staging": .high, "prod": .high, "production": .high,
    ]

    public init(
        suppressions: [IgnoreRule] = [], thresholds: [ThresholdRule] = [],
        environmentThresholds: [String: Severity.Level] = NoiseConfig.defaultEnvironmentThresholds
    ) {
        self.suppressions = suppressions
        self.thresholds = thresholds
        self.environmentThresholds = environmentThresholds
        self.index = IgnoreIndex(suppressions)
    }

    public static func == (a: NoiseConfig, b: NoiseConfig) -> Bool {
        a.suppressions == b.suppressions && a.thresholds == b.thresholds && a.environmentThresholds == b.environmentThresholds
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(suppressions)
        hasher.combine(thresholds)
        hasher.combine(environmentThresholds)
    }

    /// The minimum severity for an alert's environment, when one applies and the alert is below it.
    public func environmentMinimum(holdingBack alert: Alert) -> (environment: String, minimum: Severity.Level)? {
        guard !environmentThresholds.isEmpty, let env = alert.labels["environment"],
            let minimum = environmentThresholds[env.lowercased()], alert.severity.level < minimum
        else { return nil }
        return (env, minimum)
    }

    /// Reads `suppressions` and `thresholds` from the same documents `RoutingConfig.load` reads;
    /// every other top-level key is left to the other loaders. Inside these sections decoding is
    /// strict: an unknown key, a bad value or a rule without a condition is a `ConfigError`
    /// citing file, line, column and key path (`suppressions[2].expires: expected a date …`).
    public static func load(_ sources: [ConfigSource]) throws(ConfigError) -> NoiseConfig {
        var config = NoiseConfig()
        var names: [String: ConfigOrigin] = [:]
        for source in sources {
            let decoder = RoutingConfigDecoder(file: source.file)
            guard let root = try decoder.root(yaml: source.yaml), !root.isNull else { continue }
            guard case let .mapping(m) = root.node else {
                throw root.error(.invalidValue, "expected a mapping, got \(root.kindName)")
            }
            var keys: Set<String> = []
            for (k, _) in m { if case let .scalar(s) = k { keys.insert(s.string) } }
            let top = try root.mapping(allowed: keys)
            for item in try top["suppressions"]?.sequence() ?? [] {
                let rule = try NoiseConfigDecoder.ignoreRule(item)
                if let name = rule.name { try checkUnique(name, item, &names, what: "suppression") }
                config.suppressions.append(rule)
            }
            if let section = top["environment_thresholds"] {
                var map: [String: Severity.Level] = [:]
                for (env, value, node) in try section.stringMap() {
                    guard let level = Severity.Level(name: value) else {
                        throw node.error(.invalidValue, "expected a severity level (info, low, medium, high, critical), got \"\(value)\"")
                    }
                    map[env.lowercased()] = level
                }
                config.environmentThresholds = map
            }
            for item in try top["thresholds"]?.sequence() ?? [] {
                let rule = try NoiseConfigDecoder.thresholdRule(item)
                if let name = rule.name { try checkUnique(name, item, &names, what: "threshold") }
                config.thresholds.append(rule)
            }
        }
        return config
    }

    private static func checkUnique(_ name: String, _ node: ConfigNode, _ names: inout [String: ConfigOrigin],
                                    what: String) throws(ConfigError) {
        let key = what + ":" + name
        if let first = names[key] {
            throw node.error(.duplicate, "\(what) name \"\(name)\" is not unique (first defined at \(first.file):\(first.line):\(first.column))")
        }
        names[key] = node.origin
    }

    /// The first ignore rule that applies to `alert` at `now` (active and matching), or nil.
    public func activeIgnoreRule(for alert: Alert, at now: Date) -> IgnoreRule? {
        activeIgnoreRuleIndex(for: alert, at: now).map { suppressions[$0] }
    }

    /// Index into `suppressions` of the first rule that applies, or nil.
    public func activeIgnoreRuleIndex(for alert: Alert, at now: Date) -> Int? {
        if suppressions.isEmpty { return nil }
        var best = Int.max
        let fields = FindingFields(alert)
        @inline(__always) func firstMatch(_ candidates: [Int]) {
            for i in candidates {
                if i >= best { return }
                let rule = suppressions[i]
                if rule.isActive(at: now) && rule.matchesConditions(fields, labels: alert.labels) { best = i; return }
            }
        }
        firstMatch(index.scan)
        if !index.byID.isEmpty {
            if let v = fields.cve, let c = index.byID[v] { firstMatch(c) }
            if let v = fields.rule, let c = index.byID[v] { firstMatch(c) }
            if let v = fields.avdID, let c = index.byID[v] { firstMatch(c) }
        }
        return best == Int.max ? nil : best
    }

    /// Rules whose expiry has passed at `now` (they no longer apply; `klaxon config check` lists them).
    public func expiredRules(at now: Date) -> [IgnoreRule] {
        suppressions.filter { !$0.isActive(at: now) }
    }

    /// Rules that expire within `horizon` after `now` but are still active (for a reminder).
    public func rulesExpiring(within horizon: Duration, at now: Date) -> [IgnoreRule] {
        let limit = now.addingTimeInterval(horizon.seconds)
        return suppressions.filter { r in r.expires.map { $0 >= now && $0 <= limit } ?? false }
    }
}

extension Duration {
    /// The duration in (fractional) seconds.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// Whole milliseconds.
    var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}

/// Candidate rules per literal finding id, plus the rules that must always be checked.
/// Every list is in ascending rule order.
struct IgnoreIndex: Sendable {
    var byID: [String: [Int]] = [:]
    var scan: [Int] = []

    init(_ rules: [IgnoreRule]) {
        for (i, rule) in rules.enumerated() {
            // Any one all-literal id condition is enough: a candidate must carry one of its values
            // in `cve`, `rule` or `avd_id` (the labels these conditions test).
            let literal = [rule.vulnerabilities, rule.ids, rule.rules].first { !$0.isEmpty && $0.allSatisfy(\.isLiteral) }
            if let literal {
                for v in Set(literal.map(\.literalValue)) { byID[v, default: []].append(i) }
            } else {
                scan.append(i)
            }
        }
    }
}
