/// Prometheus' `http_config` as Klaxon honours it. Every key Klaxon accepts is applied to the
/// requests it sends; keys it cannot honour (`oauth2`, `no_proxy`, `proxy_from_environment`,
/// `proxy_connect_header`, inline `tls_config.ca`/`cert`/`key`) are refused at load, never
/// silently dropped. Secrets are file references the delivery layer reads; inline secrets are
/// accepted with a warning.
public struct HTTPClientConfig: Sendable, Hashable {
    /// `authorization.type`; default `Bearer` (`Basic` is refused: use `basic_auth`).
    public var authorizationType: String
    /// `authorization.credentials` or `bearer_token` (inline; discouraged).
    public var credentials: String?
    /// `authorization.credentials_file` or `bearer_token_file`.
    public var credentialsFile: String?
    /// `basic_auth.username` or, from a file, `basic_auth.username_file`.
    public var basicAuthUsername: String?
    public var basicAuthUsernameFile: String?
    /// `basic_auth.password` (inline; discouraged).
    public var basicAuthPassword: String?
    /// `basic_auth.password_file`.
    public var basicAuthPasswordFile: String?
    /// `proxy_url`: `http://`, `https://` (CONNECT) or `socks5://`; userinfo becomes proxy basic auth.
    public var proxyURL: String?
    /// `follow_redirects`; default true (at most 10 hops, no cycles).
    public var followRedirects: Bool
    /// `enable_http2`; default true (HTTP/2 when the TLS server offers it).
    public var enableHTTP2: Bool
    /// `tls_config.ca_file`, `cert_file`, `key_file`, `server_name`, `insecure_skip_verify`
    /// (default false), `min_version`/`max_version` (`TLS10` … `TLS13`).
    public var tlsCAFile: String?
    public var tlsCertFile: String?
    public var tlsKeyFile: String?
    public var tlsServerName: String?
    public var tlsInsecureSkipVerify: Bool
    public var tlsMinVersion: String?
    public var tlsMaxVersion: String?

    public init(
        authorizationType: String = "Bearer", credentials: String? = nil, credentialsFile: String? = nil,
        basicAuthUsername: String? = nil, basicAuthUsernameFile: String? = nil, basicAuthPassword: String? = nil,
        basicAuthPasswordFile: String? = nil, proxyURL: String? = nil, followRedirects: Bool = true,
        enableHTTP2: Bool = true, tlsCAFile: String? = nil, tlsCertFile: String? = nil, tlsKeyFile: String? = nil,
        tlsServerName: String? = nil, tlsInsecureSkipVerify: Bool = false, tlsMinVersion: String? = nil,
        tlsMaxVersion: String? = nil
    ) {
        self.authorizationType = authorizationType
        self.credentials = credentials
        self.credentialsFile = credentialsFile
        self.basicAuthUsername = basicAuthUsername
        self.basicAuthUsernameFile = basicAuthUsernameFile
        self.basicAuthPassword = basicAuthPassword
        self.basicAuthPasswordFile = basicAuthPasswordFile
        self.proxyURL = proxyURL
        self.followRedirects = followRedirects
        self.enableHTTP2 = enableHTTP2
        self.tlsCAFile = tlsCAFile
        self.tlsCertFile = tlsCertFile
        self.tlsKeyFile = tlsKeyFile
        self.tlsServerName = tlsServerName
        self.tlsInsecureSkipVerify = tlsInsecureSkipVerify
        self.tlsMinVersion = tlsMinVersion
        self.tlsMaxVersion = tlsMaxVersion
    }

    /// TLS versions `min_version`/`max_version` accept.
    public static let tlsVersions = ["TLS10", "TLS11", "TLS12", "TLS13"]

    /// Whether any TLS setting differs from the defaults.
    public var hasTLSSettings: Bool {
        tlsCAFile != nil || tlsCertFile != nil || tlsKeyFile != nil || tlsServerName != nil || tlsInsecureSkipVerify
            || tlsMinVersion != nil || tlsMaxVersion != nil
    }
}
