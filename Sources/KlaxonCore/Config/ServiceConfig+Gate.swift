/// Reads the `gate:` section strictly (see `GateConfig`).
extension ServiceConfig {
    static func gate(_ node: ConfigNode) throws(ConfigError) -> GateConfig {
        let m = try node.mapping(allowed: ["max", "fail_on_violation", "environments"])
        var config = GateConfig(base: try gateOverride(m))
        if let envs = m["environments"] {
            let em = try envs.mapping(allowed: Set(try envNames(envs)))
            for (name, _, value) in em.entries {
                let vm = try value.mapping(allowed: ["max", "fail_on_violation"])
                config.environments[name.lowercased()] = try gateOverride(vm)
            }
        }
        return config
    }

    private static func envNames(_ node: ConfigNode) throws(ConfigError) -> [String] {
        guard case let .mapping(m) = node.node else { throw node.error(.invalidValue, "expected a mapping, got \(node.kindName)") }
        var names: [String] = []
        for (k, _) in m { if case let .scalar(s) = k { names.append(s.string) } }
        return names
    }

    private static func gateOverride(_ m: ConfigMapping) throws(ConfigError) -> GateLimitOverride {
        var o = GateLimitOverride(failOnViolation: try m.bool("fail_on_violation"))
        for (name, value, node) in try m["max"]?.stringMap() ?? [] {
            do throws(GateLimitError) {
                o.maximum[try GateLimitOverride.level(name, source: "")] = .some(try GateLimitOverride.count(value, source: ""))
            } catch {
                throw node.error(.invalidValue, error.message)
            }
        }
        return o
    }
}
