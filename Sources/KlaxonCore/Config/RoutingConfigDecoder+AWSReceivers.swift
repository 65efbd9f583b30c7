extension RoutingConfigDecoder {
    /// The `sigv4` block shared by SNS, CloudWatch Logs and Security Hub.
    mutating func sigv4(_ node: ConfigNode?) throws(ConfigError) -> AWSAuthConfig {
        guard let node else { return AWSAuthConfig() }
        let m = try node.mapping(allowed: ["region", "access_key", "secret_key", "secret_key_file", "profile",
                                           "credentials_file", "role_arn"])
        if let n = m.keyNode("role_arn") {
            throw n.error(.invalidValue, "role_arn is not supported by Klaxon (no STS AssumeRole); give the role's credentials through the environment or a credentials file")
        }
        var c = AWSAuthConfig()
        c.region = try m.string("region")
        c.accessKey = try m.string("access_key")
        c.secretKey = try m.string("secret_key")
        c.secretKeyFile = try m.string("secret_key_file")
        c.profile = try m.string("profile")
        c.credentialsFile = try m.string("credentials_file")
        if c.secretKey != nil && c.secretKeyFile != nil {
            throw node.error(.invalidValue, "at most one of secret_key & secret_key_file must be configured")
        }
        if (c.secretKey != nil || c.secretKeyFile != nil) && c.accessKey == nil {
            throw node.error(.missingKey, "secret_key/secret_key_file needs access_key")
        }
        if let n = m["secret_key"] { warnings.append(n.warning("inline secret_key; prefer secret_key_file or the environment")) }
        return c
    }

    /// An `api_url` endpoint override: http or https with a host.
    func endpoint(_ m: ConfigMapping) throws(ConfigError) -> String? {
        guard let n = m["api_url"] else { return nil }
        let s = try n.string()
        guard s.hasPrefix("http://") || s.hasPrefix("https://"), ProxyAddress(s) != nil else {
            throw n.error(.invalidValue, "api_url \(RedactedURL(s)) must be an http:// or https:// URL with a host")
        }
        return s
    }

    mutating func sns(_ node: ConfigNode) throws(ConfigError) -> SNSConfig {
        let m = try node.mapping(allowed: ["send_resolved", "http_config", "api_url", "sigv4", "topic_arn",
                                           "phone_number", "target_arn", "subject", "message", "attributes"])
        var c = SNSConfig()
        c.topicARN = try m.string("topic_arn")
        c.targetARN = try m.string("target_arn")
        c.phoneNumber = try m.string("phone_number")
        let targets = [c.topicARN, c.targetARN, c.phoneNumber].compactMap { $0 }
        if targets.isEmpty {
            throw node.error(.missingKey, "must provide either a Target ARN, Topic ARN, or Phone Number for SNS config")
        }
        if targets.count > 1 {
            throw node.error(.invalidValue, "at most one of topic_arn, target_arn & phone_number must be configured")
        }
        for key in ["topic_arn", "target_arn"] {
            if let n = m[key], !(try n.string()).hasPrefix("arn:") { throw n.error(.invalidValue, "\(key) must be an ARN (arn:aws:sns:…)") }
        }
        c.apiURL = try endpoint(m)
        c.sigv4 = try sigv4(m["sigv4"])
        c.subject = try m.template("subject")
        c.message = try m.template("message")
        c.attributes = try m.stringMap("attributes")
        c.sendResolved = try m.bool("send_resolved") ?? true
        if let n = m["http_config"] { c.httpConfig = try httpConfig(n) }
        return c
    }

    mutating func cloudwatchLogs(_ node: ConfigNode) throws(ConfigError) -> CloudWatchLogsConfig {
        let m = try node.mapping(allowed: ["log_group", "log_stream", "api_url", "sigv4", "send_resolved", "http_config"])
        var c = CloudWatchLogsConfig(logGroup: try m.required("log_group").string())
        if let n = m["log_stream"] {
            c.logStream = try n.string()
            if c.logStream.isEmpty || c.logStream.contains(":") || c.logStream.contains("*") {
                throw n.error(.invalidValue, "log_stream must be non-empty and contain neither ':' nor '*'")
            }
        }
        c.apiURL = try endpoint(m)
        c.sigv4 = try sigv4(m["sigv4"])
        c.sendResolved = try m.bool("send_resolved") ?? true
        if let n = m["http_config"] { c.httpConfig = try httpConfig(n) }
        return c
    }

    mutating func securityHub(_ node: ConfigNode) throws(ConfigError) -> SecurityHubConfig {
        let m = try node.mapping(allowed: ["account_id", "product_arn", "api_url", "sigv4", "send_resolved", "http_config"])
        let accountNode = try m.required("account_id")
        let account = try accountNode.string()
        guard account.count == 12, account.allSatisfy(\.isNumber) else {
            throw accountNode.error(.invalidValue, "account_id must be a 12-digit AWS account id")
        }
        var c = SecurityHubConfig(accountID: account)
        if let n = m["product_arn"] {
            c.productARN = try n.string()
            if !(c.productARN ?? "").hasPrefix("arn:") { throw n.error(.invalidValue, "product_arn must be an ARN") }
        }
        c.apiURL = try endpoint(m)
        c.sigv4 = try sigv4(m["sigv4"])
        c.sendResolved = try m.bool("send_resolved") ?? true
        if let n = m["http_config"] { c.httpConfig = try httpConfig(n) }
        return c
    }
}
