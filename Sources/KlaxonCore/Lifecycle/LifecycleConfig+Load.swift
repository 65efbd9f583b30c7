import Foundation

extension LifecycleConfig {
    /// Reads `lifecycle:` strictly (unknown keys, bad durations and unknown severities are
    /// errors with file, line and key path).
    static func load(_ node: ConfigNode) throws(ConfigError) -> LifecycleConfig {
        var config = LifecycleConfig()
        let m = try node.mapping(allowed: ["resolve_timeout", "sla"])
        if let timeouts = m["resolve_timeout"] {
            for (source, _, value) in try timeouts.mapping(allowed: Set(SourceNames.all)).entries {
                config.resolveTimeouts[source] = try value.duration()
            }
        }
        if let sla = m["sla"] {
            let levels: [String: Severity.Level] = ["fatal": .fatal, "critical": .critical, "high": .high, "medium": .medium, "low": .low, "info": .info]
            let s = try sla.mapping(allowed: Set(levels.keys).union(["preset"]))
            if let presetNode = s["preset"] {
                switch try presetNode.string() {
                case "operations": config.sla = .operations
                case "application": config.sla = .application
                case let other: throw presetNode.error(.invalidValue, "expected operations or application, got \"\(other)\"")
                }
            }
            for (name, _, value) in s.entries where name != "preset" {
                guard let level = levels[name] else { continue }
                let t = try value.mapping(allowed: ["acknowledge", "resolve"])
                var target = config.sla.targets[level] ?? SLAPolicy.Target()
                if t.has("acknowledge") { target.acknowledge = try t.duration("acknowledge") }
                if t.has("resolve") { target.resolve = try t.duration("resolve") }
                config.sla.targets[level] = target
            }
        }
        return config
    }
}

/// Source names an alert's `source` label takes (the decoders' names).
enum SourceNames {
    static let all = ["trivy", "sarif", "falco", "guardduty", "inspector2", "ecr", "securityhub", "alertmanager", "generic", "klaxon"]
}
