extension RoutingConfigDecoder {
    /// Alertmanager integration kinds that Klaxon accepts but does not deliver to yet.
    static let unsupportedReceiverKinds: [String] = [
        "email_configs", "opsgenie_configs", "wechat_configs", "pushover_configs", "victorops_configs",
        "telegram_configs", "webex_configs", "discord_configs", "msteams_configs", "msteamsv2_configs",
        "jira_configs", "rocketchat_configs", "incidentio_configs",
    ]

    /// Every key a receiver may have.
    static var receiverKeys: Set<String> {
        Set(["name", "webhook_configs", "file_configs", "kafka_configs", "sns_configs",
             "pagerduty_configs", "slack_configs", "cloudwatch_logs_configs", "securityhub_configs",
             "min_severity", "fallback_receiver", "send_resolved_when_silenced"])
            .union(RoutingConfigDecoder.unsupportedReceiverKinds)
    }

    mutating func receiver(_ node: ConfigNode) throws(ConfigError) -> Receiver {
        let m = try node.mapping(allowed: Self.receiverKeys)
        guard let name = try m.string("name"), !name.isEmpty else {
            throw node.error(.missingKey, "missing name in receiver")
        }
        var r = Receiver(name: name)
        if let n = m["min_severity"] { r.minSeverity = try severityLevel(n) }
        r.sendResolvedWhenSilenced = try m.bool("send_resolved_when_silenced") ?? false
        if let n = m["fallback_receiver"] {
            let fallback = try n.string()
            if fallback == name { throw n.error(.invalidValue, "receiver \"\(name)\" cannot be its own fallback_receiver") }
            r.fallbackReceiver = fallback
        }
        for item in try m["webhook_configs"]?.sequence() ?? [] { r.webhookConfigs.append(try webhook(item)) }
        for item in try m["file_configs"]?.sequence() ?? [] { r.fileConfigs.append(try fileConfig(item)) }
        for item in try m["kafka_configs"]?.sequence() ?? [] { r.kafkaConfigs.append(try kafka(item)) }
        for item in try m["sns_configs"]?.sequence() ?? [] { r.snsConfigs.append(try sns(item)) }
        for item in try m["pagerduty_configs"]?.sequence() ?? [] { r.pagerdutyConfigs.append(try pagerduty(item)) }
        for item in try m["slack_configs"]?.sequence() ?? [] { r.slackConfigs.append(try slack(item)) }
        for item in try m["cloudwatch_logs_configs"]?.sequence() ?? [] { r.cloudwatchLogsConfigs.append(try cloudwatchLogs(item)) }
        for item in try m["securityhub_configs"]?.sequence() ?? [] { r.securityHubConfigs.append(try securityHub(item)) }
        for kind in RoutingConfigDecoder.unsupportedReceiverKinds {
            if m[kind] != nil, let n = m.keyNode(kind) {
                r.unsupportedKinds.append(kind)
                warnings.append(n.warning("receiver \"\(name)\": \(kind) are not delivered by Klaxon yet; ignored"))
            }
        }
        return r
    }

    mutating func webhook(_ node: ConfigNode) throws(ConfigError) -> WebhookConfig {
        let m = try node.mapping(allowed: ["url", "url_file", "send_resolved", "max_alerts", "http_config",
                                           "hmac_secret_file", "hmac_secret_env", "standard_webhooks_secret_file",
                                           "standard_webhooks_secret_env", "body_template", "content_type"])
        var c = WebhookConfig()
        c.url = try m.string("url")
        c.urlFile = try m.string("url_file")
        if c.url == nil && c.urlFile == nil {
            throw node.error(.missingKey, "one of url or url_file must be configured")
        }
        if c.url != nil && c.urlFile != nil {
            throw node.error(.invalidValue, "at most one of url & url_file must be configured")
        }
        if let urlNode = m["url"], let url = c.url, !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            let scheme = url.contains("://") ? String(url.prefix { $0 != ":" }) : ""
            throw urlNode.error(.invalidValue, "unsupported scheme \"\(scheme)\" for URL")
        }
        if let urlNode = m["url"], let url = c.url, url.contains("@") || url.contains("?") {
            warnings.append(urlNode.warning("URL carries credentials or a query (\(RedactedURL(url))); prefer url_file or http_config"))
        }
        c.sendResolved = try m.bool("send_resolved") ?? true
        if let n = m["max_alerts"] {
            c.maxAlerts = try n.int()
            if c.maxAlerts < 0 { throw n.error(.invalidValue, "max_alerts must not be negative") }
        }
        if let n = m["http_config"] { c.httpConfig = try httpConfig(n) }
        c.hmacSecretFile = try m.string("hmac_secret_file")
        c.hmacSecretEnv = try m.string("hmac_secret_env")
        if c.hmacSecretFile != nil && c.hmacSecretEnv != nil {
            throw node.error(.invalidValue, "at most one of hmac_secret_file & hmac_secret_env must be configured")
        }
        c.standardWebhooksSecretFile = try m.string("standard_webhooks_secret_file")
        c.standardWebhooksSecretEnv = try m.string("standard_webhooks_secret_env")
        if c.standardWebhooksSecretFile != nil && c.standardWebhooksSecretEnv != nil {
            throw node.error(.invalidValue, "at most one of standard_webhooks_secret_file & standard_webhooks_secret_env must be configured")
        }
        c.bodyTemplate = try m.template("body_template")
        if let n = m["content_type"] {
            guard c.bodyTemplate != nil else { throw n.error(.invalidValue, "content_type applies only with body_template") }
            c.contentType = try n.string()
        }
        return c
    }

    func fileConfig(_ node: ConfigNode) throws(ConfigError) -> FileConfig {
        let m = try node.mapping(allowed: ["path", "send_resolved", "max_size", "max_files", "fsync"])
        let path = try m.required("path").string()
        var c = FileConfig(path: path, sendResolved: try m.bool("send_resolved") ?? true)
        if let n = m["max_size"] {
            c.maxSize = try n.int()
            if c.maxSize < 0 { throw n.error(.invalidValue, "max_size must not be negative (0 never rotates)") }
        }
        if let n = m["max_files"] {
            c.maxFiles = try n.int()
            if !(1...1000).contains(c.maxFiles) { throw n.error(.invalidValue, "max_files must be 1 to 1000") }
        }
        if let n = m["fsync"] {
            let s = try n.string()
            guard let p = FileConfig.FsyncPolicy(rawValue: s) else {
                let names = FileConfig.FsyncPolicy.allCases.map(\.rawValue).joined(separator: ", ")
                throw n.error(.invalidValue, "unknown fsync policy \"\(s)\" (one of \(names))")
            }
            c.fsync = p
        }
        return c
    }

    func kafka(_ node: ConfigNode) throws(ConfigError) -> KafkaSinkConfig {
        let m = try node.mapping(allowed: ["topic", "key_label", "send_resolved"])
        let topic = try m.required("topic").string()
        if let n = m["key_label"], !Matcher.isValidLabelName(try n.string()) {
            throw n.error(.invalidValue, "invalid label name \"\(try n.string())\"")
        }
        return KafkaSinkConfig(topic: topic, keyLabel: try m.string("key_label"),
                               sendResolved: try m.bool("send_resolved") ?? true)
    }

    mutating func pagerduty(_ node: ConfigNode) throws(ConfigError) -> PagerDutyConfig {
        let m = try node.mapping(allowed: ["send_resolved", "http_config", "routing_key", "routing_key_file",
                                           "service_key", "service_key_file", "url", "client", "client_url",
                                           "description", "details", "images", "links", "source", "severity",
                                           "class", "component", "group"])
        var c = PagerDutyConfig()
        c.routingKey = try m.string("routing_key")
        c.routingKeyFile = try m.string("routing_key_file")
        c.serviceKey = try m.string("service_key")
        c.serviceKeyFile = try m.string("service_key_file")
        if [c.routingKey, c.routingKeyFile, c.serviceKey, c.serviceKeyFile].allSatisfy({ $0 == nil }) {
            throw node.error(.missingKey, "missing service or routing key in PagerDuty config")
        }
        if c.routingKey != nil && c.routingKeyFile != nil {
            throw node.error(.invalidValue, "at most one of routing_key & routing_key_file must be configured")
        }
        if let k = m["routing_key"] ?? m["service_key"] {
            warnings.append(k.warning("inline PagerDuty key; prefer routing_key_file"))
        }
        if c.serviceKey != nil && c.serviceKeyFile != nil {
            throw node.error(.invalidValue, "at most one of service_key & service_key_file must be configured")
        }
        c.url = try m.string("url")
        c.client = try m.template("client")
        c.clientURL = try m.template("client_url")
        c.description = try m.template("description")
        c.severity = try m.template("severity")
        c.source = try m.template("source")
        c.component = try m.template("component")
        c.group = try m.template("group")
        c.class = try m.template("class")
        for (key, _, valueNode) in try m["details"]?.stringMap() ?? [] { c.details[key] = try valueNode.template() }
        for item in try m["links"]?.sequence() ?? [] {
            let lm = try item.mapping(allowed: ["href", "text"])
            c.links.append(PagerDutyLink(href: try lm.required("href").template(), text: try lm.template("text") ?? ""))
        }
        for item in try m["images"]?.sequence() ?? [] {
            let im = try item.mapping(allowed: ["src", "alt", "href"])
            c.images.append(PagerDutyImage(src: try im.required("src").template(), alt: try im.template("alt"), href: try im.template("href")))
        }
        c.sendResolved = try m.bool("send_resolved") ?? true
        if let n = m["http_config"] { c.httpConfig = try httpConfig(n) }
        return c
    }

    mutating func slack(_ node: ConfigNode) throws(ConfigError) -> SlackConfig {
        let used = ["send_resolved", "http_config", "api_url", "api_url_file", "app_token", "app_token_file", "app_url",
                    "channel", "username", "title", "text", "color", "icon_emoji", "icon_url"]
        let ignored = ["title_link", "pretext", "fields", "short_fields", "footer", "fallback", "callback_id",
                       "image_url", "thumb_url", "link_names", "mrkdwn_in", "actions"]
        let m = try node.mapping(allowed: Set(used + ignored))
        var c = SlackConfig()
        c.apiURL = try m.string("api_url")
        c.apiURLFile = try m.string("api_url_file")
        if c.apiURL != nil && c.apiURLFile != nil {
            throw node.error(.invalidValue, "at most one of api_url & api_url_file must be configured")
        }
        c.appToken = try m.string("app_token")
        c.appTokenFile = try m.string("app_token_file")
        c.appURL = try m.string("app_url")
        if c.appToken != nil && c.appTokenFile != nil {
            throw node.error(.invalidValue, "at most one of app_token & app_token_file must be configured")
        }
        if c.usesBotToken && (c.apiURL != nil || c.apiURLFile != nil) {
            throw node.error(.invalidValue, "at most one of api_url/api_url_file (incoming webhook) & app_token/app_token_file (bot token) must be configured")
        }
        if !c.usesBotToken && c.apiURL == nil && c.apiURLFile == nil {
            throw node.error(.missingKey, "one of api_url, api_url_file, app_token or app_token_file must be configured")
        }
        if let n = m["app_token"] { warnings.append(n.warning("inline app_token; prefer app_token_file")) }
        if let n = m["api_url"] { warnings.append(n.warning("inline api_url (a Slack webhook URL is a secret); prefer api_url_file")) }
        c.channel = try m.string("channel")
        if c.usesBotToken && c.channel == nil {
            throw node.error(.missingKey, "channel is required with app_token/app_token_file (chat.postMessage)")
        }
        c.username = try m.template("username")
        c.title = try m.template("title")
        c.text = try m.template("text")
        c.color = try m.string("color")
        c.iconEmoji = try m.string("icon_emoji")
        c.iconURL = try m.string("icon_url")
        c.sendResolved = try m.bool("send_resolved") ?? false
        if let n = m["http_config"] { c.httpConfig = try httpConfig(n) }
        for key in ignored {
            if let n = m[key] { warnings.append(n.warning("not used by Klaxon's Slack notifier; ignored")) }
        }
        return c
    }
}
