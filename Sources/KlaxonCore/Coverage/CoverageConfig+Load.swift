import Foundation

extension CoverageConfig {
    /// Reads `coverage:` strictly (unknown keys, bad durations, unknown kinds and severities
    /// are errors with file, line and key path).
    static func load(_ node: ConfigNode) throws(ConfigError) -> CoverageConfig {
        var config = CoverageConfig()
        let m = try node.mapping(allowed: [
            "schedule", "default_schedule", "kinds", "forget_after", "overdue_alerts", "overdue_severity", "inventory",
        ])
        if let schedule = m["schedule"] {
            for (environment, _, value) in try schedule.mapping(allowed: Set(try schedule.stringKeys())).entries {
                config.schedules[environment] = try positive(value)
            }
        }
        if let n = m["default_schedule"] { config.defaultSchedule = try positive(n) }
        if let n = m["forget_after"] { config.forgetAfter = try positive(n) }
        if let n = m["kinds"] {
            let kinds = try n.stringList()
            if kinds.isEmpty { throw n.error(.invalidValue, "kinds: at least one label is required") }
            for kind in kinds where !Matcher.isValidLabelName(kind) || kind == "environment" {
                throw n.error(.invalidValue, "kinds: \"\(kind)\" cannot name an artifact (a label name other than environment)")
            }
            config.kinds = kinds
        }
        config.overdueAlerts = try m.bool("overdue_alerts") ?? config.overdueAlerts
        if let n = m["overdue_severity"] {
            let word = try n.string()
            guard let level = Severity.Level(name: word) else { throw n.error(.invalidValue, "unknown severity \"\(word)\"") }
            config.overdueSeverity = Severity(level: level)
        }
        for item in try m["inventory"]?.sequence() ?? [] {
            let i = try item.mapping(allowed: Set(config.kinds + ["environment"]))
            let named = i.entries.filter { $0.0 != "environment" }
            guard named.count == 1, let (kind, _, value) = named.first else {
                throw item.error(.invalidValue, "an inventory item names one artifact (one of \(config.kinds.joined(separator: ", "))) and optionally its environment")
            }
            let name = try value.string()
            if name.isEmpty { throw value.error(.invalidValue, "\(kind) must not be empty") }
            config.inventory.append(InventoryItem(kind: kind, name: name, environment: try i.string("environment")))
        }
        return config
    }

    private static func positive(_ node: ConfigNode) throws(ConfigError) -> Duration {
        let d = try node.duration()
        if d <= .zero { throw node.error(.invalidValue, "must be positive") }
        return d
    }
}

extension ConfigNode {
    /// The keys of a mapping node, for maps keyed by names the user chooses (environments).
    func stringKeys() throws(ConfigError) -> [String] {
        try stringMap().map(\.key)
    }
}
