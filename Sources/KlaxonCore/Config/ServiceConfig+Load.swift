extension ServiceConfig {
    /// Parses `klaxon.yml` strictly: unknown keys, wrong types and missing required keys are
    /// `ConfigError`s with file, line, column and key path.
    public static func load(yaml: String, file: String) throws(ConfigError) -> ServiceConfig {
        let decoder = RoutingConfigDecoder(file: file)
        guard let root = try decoder.root(yaml: yaml), !root.isNull else {
            throw ConfigError(code: .missingKey, file: file, line: 0, column: 0, keyPath: "kafka", reason: "empty configuration")
        }
        let m = try root.mapping(allowed: [
            "kafka", "state", "routes", "http", "environment", "delivery", "severity_overrides", "identity_overrides", "gate",
            "lifecycle", "coverage", "alertmanager_api",
        ])
        var config = ServiceConfig(kafka: try kafka(m.required("kafka")))
        if let state = m["state"] {
            let s = try state.mapping(allowed: ["path", "synchronous"])
            config.statePath = try s.string("path") ?? config.statePath
            if let node = s["synchronous"] {
                let value = try node.string()
                guard let sync = StateSynchronous(rawValue: value) else {
                    throw node.error(.invalidValue, "synchronous must be normal or full, got \"\(value)\"")
                }
                config.stateSynchronous = sync
            }
        }
        if let routes = m["routes"] {
            config.routes = try routes.stringList()
        }
        if let http = m["http"] {
            let h = try http.mapping(allowed: ["listen", "token_file", "token_env", "idle_timeout"])
            config.httpListen = try h.string("listen")
            if let n = h["idle_timeout"] {
                config.httpIdleTimeout = try n.duration()
                if config.httpIdleTimeout <= .zero { throw n.error(.invalidValue, "idle_timeout must be positive") }
            }
            config.apiTokenFile = try h.string("token_file")
            config.apiTokenEnv = try h.string("token_env") ?? config.apiTokenEnv
        }
        config.environment = try m.string("environment")
        if let lifecycle = m["lifecycle"] { config.lifecycle = try LifecycleConfig.load(lifecycle) }
        if let coverage = m["coverage"] { config.coverage = try CoverageConfig.load(coverage) }
        if let delivery = m["delivery"] { config.delivery = try deliverySettings(delivery) }
        for item in try m["severity_overrides"]?.sequence() ?? [] {
            let r = try item.mapping(allowed: ["match", "severity", "reason"])
            let match = try r.stringMap("match")
            if match.isEmpty { throw item.error(.missingKey, "match: at least one label is required") }
            let sevNode = try r.required("severity")
            let name = try sevNode.string()
            let severity: Severity
            if let level = Severity.Level(name: name) {
                severity = Severity(level: level)
            } else if let score = Int(name), (0...100).contains(score) {
                severity = Severity(score: score)
            } else {
                throw sevNode.error(.invalidValue, "expected a level (info, low, medium, high, critical) or a score 0-100, got \"\(name)\"")
            }
            config.severityOverrides.rules.append(.init(match: match, severity: severity, reason: try r.string("reason")))
        }
        for item in try m["identity_overrides"]?.sequence() ?? [] {
            let r = try item.mapping(allowed: ["match", "identity"])
            let identity = try r.required("identity").stringList()
            if identity.isEmpty { throw item.error(.missingKey, "identity: at least one label is required") }
            config.identityOverrides.rules.append(.init(match: try r.stringMap("match"), identity: identity))
        }
        if let gate = m["gate"] { config.gate = try Self.gate(gate) }
        if let api = m["alertmanager_api"] {
            config.alertmanagerAPI = try Self.alertmanagerAPI(api, kafka: config.kafka)
        } else if let listed = config.kafka.topics.first(where: { $0.name == config.alertmanagerAPI.ingestTopic }),
            listed.format != .alertmanager, listed.format != .auto
        {
            throw try m.required("kafka").error(
                .invalidValue,
                "topic \"\(listed.name)\" is the Alertmanager API's ingest topic (alertmanager_api.ingest_topic) and must have "
                    + "format alertmanager or auto, got \(listed.format.rawValue)")
        }
        return config
    }

    private static func deliverySettings(_ node: ConfigNode) throws(ConfigError) -> DeliverySettings {
        let d = try node.mapping(allowed: ["retry", "concurrency", "timeout", "breaker", "fallback_after", "rate_limit", "rate_limits"])
        var s = DeliverySettings()
        if let retry = d["retry"] {
            let r = try retry.mapping(allowed: ["initial", "maximum", "max_attempts"])
            s.retry = RetryPolicy(
                initial: try r.duration("initial") ?? .seconds(1), maximum: try r.duration("maximum") ?? .seconds(300),
                maxAttempts: try r.int("max_attempts") ?? 12)
        }
        if let n = d["concurrency"] {
            s.concurrency = try n.int()
            if !(1...1024).contains(s.concurrency) { throw n.error(.invalidValue, "concurrency must be 1 to 1024") }
        }
        if let n = d["timeout"] {
            s.timeout = try n.duration()
            if s.timeout <= .zero { throw n.error(.invalidValue, "timeout must be positive") }
        }
        if let b = d["breaker"] {
            let bm = try b.mapping(allowed: ["failures", "cool_down"])
            if let n = bm["failures"] {
                s.breakerFailures = try n.int()
                if s.breakerFailures < 1 { throw n.error(.invalidValue, "failures must be at least 1") }
            }
            s.breakerCoolDown = try bm.duration("cool_down") ?? s.breakerCoolDown
        }
        s.fallbackAfter = try d.duration("fallback_after") ?? s.fallbackAfter
        if let n = d["rate_limit"] { s.rateLimit = try rateLimit(n) }
        for item in try d["rate_limits"]?.sequence() ?? [] {
            let receiver = try item.mapping(allowed: ["receiver", "per_second", "burst"]).required("receiver").string()
            s.rateLimits[receiver] = try rateLimit(item, extra: ["receiver"])
        }
        return s
    }

    private static func rateLimit(_ node: ConfigNode, extra: Set<String> = []) throws(ConfigError) -> RateLimit {
        let m = try node.mapping(allowed: Set(["per_second", "burst"]).union(extra))
        let rateNode = try m.required("per_second")
        guard let rate = Double(try rateNode.string()), rate > 0, rate.isFinite else {
            throw rateNode.error(.invalidValue, "per_second must be a positive number")
        }
        var burst = max(1, Int(rate.rounded(.up)))
        if let n = m["burst"] {
            burst = try n.int()
            if burst < 1 { throw n.error(.invalidValue, "burst must be at least 1") }
        }
        return RateLimit(perSecond: rate, burst: burst)
    }

    private static func kafka(_ node: ConfigNode) throws(ConfigError) -> KafkaSettings {
        let m = try node.mapping(allowed: [
            "embedded", "brokers", "group_id", "topics", "dead_letter_topic", "control_topic", "alerts_topic", "alerts_partitions", "changelog_topic",
            "max_message_bytes", "batch", "properties",
        ])
        var k = KafkaSettings()
        k.embedded = try m.bool("embedded") ?? false
        k.brokers = try m.string("brokers")
        if !k.embedded && k.brokers == nil {
            throw node.error(.missingKey, "brokers is required unless embedded: true")
        }
        k.groupID = try m.string("group_id") ?? k.groupID
        k.deadLetterTopic = try m.string("dead_letter_topic") ?? k.deadLetterTopic
        if let n = m["control_topic"] {
            k.controlTopic = try n.string()
            if k.controlTopic.isEmpty { throw n.error(.invalidValue, "control_topic must not be empty") }
            if k.controlTopic == k.deadLetterTopic { throw n.error(.invalidValue, "control_topic must differ from dead_letter_topic") }
        }
        if let n = m["alerts_topic"] {
            k.alertsTopic = try n.string()
            if k.alertsTopic.isEmpty { throw n.error(.invalidValue, "alerts_topic must not be empty") }
            if [k.deadLetterTopic, k.controlTopic].contains(k.alertsTopic) {
                throw n.error(.invalidValue, "alerts_topic must differ from dead_letter_topic and control_topic")
            }
        }
        if let n = m["changelog_topic"] {
            k.changelogTopic = try n.string()
            if k.changelogTopic.isEmpty { throw n.error(.invalidValue, "changelog_topic must not be empty") }
            if [k.deadLetterTopic, k.controlTopic, k.alertsTopic].contains(k.changelogTopic) {
                throw n.error(.invalidValue, "changelog_topic must differ from dead_letter_topic, control_topic and alerts_topic")
            }
        }
        if let n = m["alerts_partitions"] {
            let count = try n.int()
            guard (1...10_000).contains(count) else { throw n.error(.invalidValue, "alerts_partitions must be 1-10000, got \(count)") }
            k.alertsPartitions = Int32(count)
        }
        if let n = m["max_message_bytes"] {
            k.maxMessageBytes = try n.int()
            if k.maxMessageBytes < 1 { throw n.error(.invalidValue, "must be a positive number of bytes") }
        }
        if let batch = m["batch"] {
            let b = try batch.mapping(allowed: ["max_records", "max_wait", "report_wait"])
            k.batchMaxRecords = try b.int("max_records") ?? k.batchMaxRecords
            k.batchMaxWait = try b.duration("max_wait") ?? k.batchMaxWait
            if let n = b["report_wait"] {
                k.batchReportWait = try n.duration()
                if k.batchReportWait > .seconds(300) { throw n.error(.invalidValue, "must be at most 5m (the state stage applies nothing while it waits)") }
            }
        }
        k.properties = try m.stringMap("properties")
        let topics = try m.required("topics").sequence()
        if topics.isEmpty { throw node.error(.invalidValue, "topics: at least one topic is required") }
        for t in topics {
            let tm = try t.mapping(allowed: ["name", "format", "environment", "labels"])
            let name = try tm.required("name").string()
            var format = InputFormat.auto
            if let f = tm["format"] {
                let s = try f.string()
                guard let parsed = InputFormat(rawValue: s) else {
                    throw f.error(.invalidValue, "unknown format \"\(s)\" (one of \(InputFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                format = parsed
            }
            if name == k.controlTopic {
                throw t.error(.invalidValue, "topic \"\(name)\" is the control topic (kafka.control_topic); it cannot be an input")
            }
            if name == k.changelogTopic {
                throw t.error(.invalidValue, "topic \"\(name)\" is the internal state changelog (kafka.changelog_topic); it cannot be an input")
            }
            if name == k.alertsTopic {
                throw t.error(.invalidValue, "topic \"\(name)\" is the internal alerts topic (kafka.alerts_topic); it cannot be an input")
            }
            k.topics.append(TopicSettings(
                name: name, format: format, environment: try tm.string("environment"), labels: try tm.stringMap("labels")))
        }
        return k
    }
}
