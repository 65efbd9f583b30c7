/// Accumulates the sections of one or more documents, then validates references.
struct RoutingConfigLoader {
    static let topLevelKeys: Set<String> = [
        "route", "receivers", "inhibit_rules", "time_intervals", "mute_time_intervals", "global", "templates",
        // Klaxon sections owned by other parts of the configuration (`suppressions`, `thresholds`:
        // NoiseConfig); the routing loader skips them.
        "suppressions", "thresholds", "environment_thresholds", "dedup", "escalation_policies",
    ]

    private var route: (Route, ConfigNode)?
    private var receivers: [(Receiver, ConfigNode)] = []
    private var inhibitRules: [InhibitRule] = []
    private var timeIntervals: [(NamedTimeInterval, ConfigNode)] = []
    private var warnings: [ConfigWarning] = []
    private var receiverReferences: [(name: String, node: ConfigNode)] = []
    private var timeIntervalReferences: [(name: String, node: ConfigNode)] = []
    private var escalationPolicies: [(EscalationPolicy, ConfigNode)] = []
    private var escalationReferences: [(name: String, node: ConfigNode)] = []
    private var resolveTimeout: (Duration, ConfigNode)?

    /// Alertmanager's `global` keys (0.25 to 0.27). Unknown keys are refused, as Alertmanager does.
    static let globalKeys: Set<String> = [
        "resolve_timeout", "http_config", "smtp_from", "smtp_hello", "smtp_smarthost", "smtp_auth_username",
        "smtp_auth_password", "smtp_auth_password_file", "smtp_auth_secret", "smtp_auth_identity", "smtp_require_tls",
        "slack_api_url", "slack_api_url_file", "victorops_api_key", "victorops_api_key_file", "victorops_api_url",
        "pagerduty_url", "opsgenie_api_key", "opsgenie_api_key_file", "opsgenie_api_url", "wechat_api_url",
        "wechat_api_secret", "wechat_api_corp_id", "telegram_api_url", "webex_api_url",
    ]

    /// `global.resolve_timeout` is honoured (alerts pushed without `endsAt` end that long after
    /// their last push, as in Alertmanager); the receiver defaults are not used, each said so.
    private mutating func global(_ node: ConfigNode, _ decoder: inout RoutingConfigDecoder) throws(ConfigError) {
        let g = try node.mapping(allowed: Self.globalKeys)
        if let n = g["resolve_timeout"] {
            let timeout = try n.duration()
            if timeout <= .zero { throw n.error(.invalidValue, "resolve_timeout must be positive") }
            if let (_, first) = resolveTimeout {
                throw n.error(.duplicate, "global.resolve_timeout is already set in \(first.file):\(first.line):\(first.column)")
            }
            resolveTimeout = (timeout, n)
        }
        for (key, keyNode, _) in g.entries where key != "resolve_timeout" {
            decoder.warnings.append(keyNode.warning("Alertmanager's global \(key) is not used by Klaxon (receivers set their own); ignored"))
        }
    }

    mutating func add(_ source: ConfigSource) throws(ConfigError) {
        var decoder = RoutingConfigDecoder(file: source.file)
        guard let root = try decoder.root(yaml: source.yaml), !root.isNull else {
            warnings.append(ConfigWarning(file: source.file, line: 0, column: 0, keyPath: "", message: "empty document"))
            return
        }
        let m = try root.mapping(allowed: RoutingConfigLoader.topLevelKeys)
        if let n = m["global"] { try global(n, &decoder) }
        if m["templates"] != nil, let n = m.keyNode("templates") {
            decoder.warnings.append(n.warning("Alertmanager's templates section is not used by Klaxon; ignored"))
        }
        // `suppressions` and `thresholds` are read by `NoiseConfig.load` from the same files.
        for key in ["dedup"] {
            if m[key] != nil, let n = m.keyNode(key) {
                decoder.warnings.append(n.warning("not part of the routing configuration; ignored by the routing loader"))
            }
        }
        if let n = m["route"] {
            if let (_, first) = route {
                throw n.error(.duplicate, "route is already defined in \(first.file):\(first.line):\(first.column)")
            }
            route = (try decoder.route(n, parent: nil, index: 0), n)
        }
        for item in try m["receivers"]?.sequence() ?? [] {
            let r = try decoder.receiver(item)
            if let (_, first) = receivers.first(where: { $0.0.name == r.name }) {
                throw item.error(.duplicate, "notification config name \"\(r.name)\" is not unique (first defined at \(first.file):\(first.line):\(first.column))")
            }
            receivers.append((r, item))
        }
        for item in try m["escalation_policies"]?.sequence() ?? [] {
            let p = try EscalationPolicy.load(item)
            if let (_, first) = escalationPolicies.first(where: { $0.0.name == p.name }) {
                throw item.error(.duplicate, "escalation policy \"\(p.name)\" is not unique (first defined at \(first.file):\(first.line):\(first.column))")
            }
            escalationPolicies.append((p, item))
        }
        for item in try m["inhibit_rules"]?.sequence() ?? [] {
            inhibitRules.append(try decoder.inhibitRule(item))
        }
        for key in ["mute_time_intervals", "time_intervals"] {
            for item in try m[key]?.sequence() ?? [] {
                let t = try decoder.namedTimeInterval(item, section: key)
                if timeIntervals.contains(where: { $0.0.name == t.name }) {
                    let what = key == "mute_time_intervals" ? "mute time interval" : "time interval"
                    throw item.error(.duplicate, "\(what) \"\(t.name)\" is not unique")
                }
                timeIntervals.append((t, item))
            }
        }
        warnings += decoder.warnings
        receiverReferences += decoder.receiverReferences
        timeIntervalReferences += decoder.timeIntervalReferences
        escalationReferences += decoder.escalationReferences
    }

    /// Receivers nothing sends to: no route, `fallback_receiver` or escalation tier names them.
    /// Alertmanager accepts them silently; here `config check` and `run` say so.
    private func unusedReceiverWarnings() -> [ConfigWarning] {
        var used = Set(receiverReferences.map(\.name))
        used.formUnion(receivers.compactMap(\.0.fallbackReceiver))
        used.formUnion(escalationPolicies.flatMap { $0.0.tiers.flatMap(\.receivers) })
        return receivers.filter { !used.contains($0.0.name) }.map { r, node in
            let at = (try? node.mapping(allowed: RoutingConfigDecoder.receiverKeys))?["name"] ?? node
            return at.warning("receiver \"\(r.name)\" is not used by any route; nothing is delivered to it")
        }
    }

    func finish(firstFile: String) throws(ConfigError) -> RoutingConfig {
        guard let (root, _) = route else {
            throw ConfigError(code: .missingKey, file: firstFile, line: 0, column: 0, keyPath: "route",
                              reason: "no route provided in config")
        }
        let names = Set(receivers.map(\.0.name))
        for (name, node) in receiverReferences where !names.contains(name) {
            throw node.error(.undefinedReference, "undefined receiver \"\(name)\" used in route")
        }
        for (r, node) in receivers {
            guard let fallback = r.fallbackReceiver, !names.contains(fallback) else { continue }
            let at = (try? node.mapping(allowed: Set(["fallback_receiver"]).union(RoutingConfigDecoder.receiverKeys)))?["fallback_receiver"] ?? node
            throw at.error(.undefinedReference, "undefined receiver \"\(fallback)\" used as fallback_receiver of \"\(r.name)\"")
        }
        let intervals = Set(timeIntervals.map(\.0.name))
        for (name, node) in timeIntervalReferences where !intervals.contains(name) {
            throw node.error(.undefinedReference, "undefined time interval \"\(name)\" used in route")
        }
        let policies = Set(escalationPolicies.map(\.0.name))
        for (name, node) in escalationReferences where !policies.contains(name) {
            throw node.error(.undefinedReference, "undefined escalation policy \"\(name)\" used in route")
        }
        for (policy, node) in escalationPolicies {
            for name in policy.tiers.flatMap(\.receivers) where !names.contains(name) {
                throw node.error(.undefinedReference, "undefined receiver \"\(name)\" used in escalation policy \"\(policy.name)\"")
            }
        }
        var config = RoutingConfig(route: root, receivers: receivers.map(\.0), inhibitRules: inhibitRules,
                                   timeIntervals: timeIntervals.map(\.0), warnings: warnings + unusedReceiverWarnings())
        config.escalationPolicies = escalationPolicies.map(\.0)
        if let (timeout, _) = resolveTimeout { config.resolveTimeout = timeout }
        return config
    }
}
