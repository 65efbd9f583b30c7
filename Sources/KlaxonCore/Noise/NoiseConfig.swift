import Foundation

/// Klaxon's noise-control sections of `routes/*.yml`: `suppressions:` (ignore rules) and
/// `thresholds:`. Rules from several files are concatenated in the order the files are given.
public struct NoiseConfig: Sendable, Hashable {
    public var suppressions: [IgnoreRule]
    public var thresholds: [ThresholdRule]

    public init(suppressions: [IgnoreRule] = [], thresholds: [ThresholdRule] = []) {
        self.suppressions = suppressions
        self.thresholds = thresholds
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
        for i in suppressions.indices where suppressions[i].matches(alert, at: now) { return i }
        return nil
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
