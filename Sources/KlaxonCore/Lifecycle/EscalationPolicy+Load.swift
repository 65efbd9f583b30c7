extension EscalationPolicy {
    /// One `escalation_policies:` entry, strictly: a name, at least one tier, each with at
    /// least one receiver and a delay; `repeat` 0 or more.
    static func load(_ node: ConfigNode) throws(ConfigError) -> EscalationPolicy {
        let m = try node.mapping(allowed: ["name", "tiers", "repeat"])
        let name = try m.required("name").string()
        if name.isEmpty { throw node.error(.missingKey, "escalation policy name must not be empty") }
        var tiers: [Tier] = []
        for item in try m.required("tiers").sequence() {
            let t = try item.mapping(allowed: ["receivers", "delay"])
            let receivers = try t.required("receivers").stringList()
            if receivers.isEmpty { throw item.error(.missingKey, "receivers: at least one receiver is required") }
            tiers.append(Tier(receivers: receivers, delay: try t.required("delay").duration()))
        }
        if tiers.isEmpty { throw node.error(.missingKey, "tiers: at least one tier is required") }
        let repeatCount = try m.int("repeat") ?? 0
        if repeatCount < 0, let n = m["repeat"] { throw n.error(.invalidValue, "repeat must be 0 or more, got \(repeatCount)") }
        return EscalationPolicy(name: name, tiers: tiers, repeat: repeatCount)
    }
}
