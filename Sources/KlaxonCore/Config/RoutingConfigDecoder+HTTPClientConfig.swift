extension RoutingConfigDecoder {
    mutating func httpConfig(_ node: ConfigNode) throws(ConfigError) -> HTTPClientConfig {
        let ignored = ["oauth2", "proxy_connect_header", "no_proxy", "proxy_from_environment", "enable_http2"]
        let m = try node.mapping(allowed: Set(["authorization", "basic_auth", "bearer_token", "bearer_token_file",
                                               "proxy_url", "follow_redirects", "tls_config"] + ignored))
        var c = HTTPClientConfig()
        if let a = m["authorization"] {
            let am = try a.mapping(allowed: ["type", "credentials", "credentials_file"])
            c.authorizationType = try am.string("type") ?? "Bearer"
            c.credentials = try am.string("credentials")
            c.credentialsFile = try am.string("credentials_file")
            if let n = am["credentials"] { warnings.append(n.warning("inline credentials; prefer credentials_file")) }
        }
        if let n = m["bearer_token"] {
            c.credentials = try n.string()
            warnings.append(n.warning("inline bearer_token; prefer bearer_token_file"))
        }
        if let n = m["bearer_token_file"] { c.credentialsFile = try n.string() }
        if let b = m["basic_auth"] {
            let bm = try b.mapping(allowed: ["username", "username_file", "password", "password_file"])
            c.basicAuthUsername = try bm.string("username")
            c.basicAuthPassword = try bm.string("password")
            c.basicAuthPasswordFile = try bm.string("password_file")
            if let n = bm["password"] { warnings.append(n.warning("inline password; prefer password_file")) }
            if let n = bm["username_file"] { warnings.append(n.warning("username_file is not supported; ignored")) }
        }
        let authKinds = [m.has("authorization"), m.has("bearer_token") || m.has("bearer_token_file"), m.has("basic_auth")]
        if authKinds.filter({ $0 }).count > 1 {
            throw node.error(.invalidValue, "at most one of basic_auth, bearer_token & bearer_token_file, authorization must be configured")
        }
        c.proxyURL = try m.string("proxy_url")
        c.followRedirects = try m.bool("follow_redirects") ?? true
        if let t = m["tls_config"] {
            let tm = try t.mapping(allowed: ["ca_file", "cert_file", "key_file", "server_name",
                                             "insecure_skip_verify", "min_version", "max_version", "ca", "cert", "key"])
            c.tlsCAFile = try tm.string("ca_file")
            c.tlsCertFile = try tm.string("cert_file")
            c.tlsKeyFile = try tm.string("key_file")
            c.tlsServerName = try tm.string("server_name")
            c.tlsInsecureSkipVerify = try tm.bool("insecure_skip_verify") ?? false
            for key in ["min_version", "max_version", "ca", "cert", "key"] {
                if let n = tm[key] { warnings.append(n.warning("not supported by Klaxon; ignored")) }
            }
        }
        for key in ignored {
            if let n = m[key] { warnings.append(n.warning("not supported by Klaxon; ignored")) }
        }
        return c
    }
}
