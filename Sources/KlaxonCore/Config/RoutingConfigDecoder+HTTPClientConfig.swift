extension RoutingConfigDecoder {
    /// Keys of `http_config` Klaxon cannot honour; each is refused with its reason.
    static let refusedHTTPConfigKeys: [String: String] = [
        "oauth2": "oauth2 is not supported by Klaxon; use authorization.credentials_file with a token",
        "proxy_connect_header": "proxy_connect_header is not supported by Klaxon; put proxy credentials in proxy_url",
        "no_proxy": "no_proxy is not supported by Klaxon; set proxy_url only on receivers that need it",
        "proxy_from_environment": "proxy_from_environment is not supported by Klaxon; set proxy_url",
    ]

    mutating func httpConfig(_ node: ConfigNode) throws(ConfigError) -> HTTPClientConfig {
        let used = ["authorization", "basic_auth", "bearer_token", "bearer_token_file", "proxy_url", "follow_redirects",
                    "enable_http2", "tls_config"]
        let m = try node.mapping(allowed: Set(used + Self.refusedHTTPConfigKeys.keys))
        for (key, reason) in Self.refusedHTTPConfigKeys.sorted(by: { $0.key < $1.key }) {
            if let n = m.keyNode(key) { throw n.error(.invalidValue, reason) }
        }
        var c = HTTPClientConfig()
        if let a = m["authorization"] {
            let am = try a.mapping(allowed: ["type", "credentials", "credentials_file"])
            c.authorizationType = try am.string("type") ?? "Bearer"
            if c.authorizationType.lowercased() == "basic", let n = am["type"] {
                throw n.error(.invalidValue, "authorization type cannot be set to \"basic\", use \"basic_auth\" instead")
            }
            c.credentials = try am.string("credentials")
            c.credentialsFile = try am.string("credentials_file")
            if c.credentials != nil && c.credentialsFile != nil {
                throw a.error(.invalidValue, "at most one of authorization credentials & credentials_file must be configured")
            }
            if let n = am["credentials"] { warnings.append(n.warning("inline credentials; prefer credentials_file")) }
        }
        if let n = m["bearer_token"] {
            c.credentials = try n.string()
            warnings.append(n.warning("inline bearer_token; prefer bearer_token_file"))
        }
        if let n = m["bearer_token_file"] {
            if m.has("bearer_token") { throw n.error(.invalidValue, "at most one of bearer_token & bearer_token_file must be configured") }
            c.credentialsFile = try n.string()
        }
        if let b = m["basic_auth"] { try basicAuth(b, into: &c) }
        let authKinds = [m.has("authorization"), m.has("bearer_token") || m.has("bearer_token_file"), m.has("basic_auth")]
        if authKinds.filter({ $0 }).count > 1 {
            throw node.error(.invalidValue, "at most one of basic_auth, bearer_token & bearer_token_file, authorization must be configured")
        }
        if let n = m["proxy_url"] { c.proxyURL = try proxyURL(n) }
        c.followRedirects = try m.bool("follow_redirects") ?? true
        c.enableHTTP2 = try m.bool("enable_http2") ?? true
        if let t = m["tls_config"] { try tlsConfig(t, into: &c) }
        return c
    }

    private mutating func basicAuth(_ b: ConfigNode, into c: inout HTTPClientConfig) throws(ConfigError) {
        let bm = try b.mapping(allowed: ["username", "username_file", "password", "password_file"])
        c.basicAuthUsername = try bm.string("username")
        c.basicAuthUsernameFile = try bm.string("username_file")
        c.basicAuthPassword = try bm.string("password")
        c.basicAuthPasswordFile = try bm.string("password_file")
        if c.basicAuthUsername != nil && c.basicAuthUsernameFile != nil {
            throw b.error(.invalidValue, "at most one of basic_auth username & username_file must be configured")
        }
        if c.basicAuthPassword != nil && c.basicAuthPasswordFile != nil {
            throw b.error(.invalidValue, "at most one of basic_auth password & password_file must be configured")
        }
        if c.basicAuthUsername == nil && c.basicAuthUsernameFile == nil {
            throw b.error(.missingKey, "basic_auth needs username or username_file")
        }
        if let n = bm["password"] { warnings.append(n.warning("inline password; prefer password_file")) }
    }

    private func proxyURL(_ n: ConfigNode) throws(ConfigError) -> String {
        let s = try n.string()
        let lower = s.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("socks5://") else {
            throw n.error(.invalidValue, "proxy_url \(RedactedURL(s)) must start with http://, https:// or socks5://")
        }
        guard ProxyAddress(s) != nil else {
            throw n.error(.invalidValue, "proxy_url \(RedactedURL(s)) has no host")
        }
        return s
    }

    private func tlsConfig(_ t: ConfigNode, into c: inout HTTPClientConfig) throws(ConfigError) {
        let tm = try t.mapping(allowed: ["ca_file", "cert_file", "key_file", "server_name", "insecure_skip_verify",
                                         "min_version", "max_version", "ca", "cert", "key"])
        for key in ["ca", "cert", "key"] {
            if let n = tm.keyNode(key) {
                throw n.error(.invalidValue, "inline \(key) is not supported by Klaxon; use \(key)_file")
            }
        }
        c.tlsCAFile = try tm.string("ca_file")
        c.tlsCertFile = try tm.string("cert_file")
        c.tlsKeyFile = try tm.string("key_file")
        if (c.tlsCertFile == nil) != (c.tlsKeyFile == nil) {
            throw t.error(.invalidValue, "client cert_file and key_file must be configured together")
        }
        c.tlsServerName = try tm.string("server_name")
        c.tlsInsecureSkipVerify = try tm.bool("insecure_skip_verify") ?? false
        for key in ["min_version", "max_version"] {
            guard let n = tm[key] else { continue }
            let v = try n.string()
            guard HTTPClientConfig.tlsVersions.contains(v) else {
                throw n.error(.invalidValue, "unknown TLS version \"\(v)\" (expected one of \(HTTPClientConfig.tlsVersions.joined(separator: ", ")))")
            }
            if key == "min_version" { c.tlsMinVersion = v } else { c.tlsMaxVersion = v }
        }
    }
}
