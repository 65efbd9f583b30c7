/// The part of Prometheus' `http_config` that Klaxon uses. Secrets are references (file paths)
/// that the delivery layer reads; inline secrets are kept but produce a warning.
/// Other `http_config` keys (`oauth2`, `proxy_connect_header`, …) are accepted and ignored
/// with a warning.
public struct HTTPClientConfig: Sendable, Hashable {
    /// `authorization.type`; default `Bearer`.
    public var authorizationType: String
    /// `authorization.credentials` or `bearer_token` (inline; discouraged).
    public var credentials: String?
    /// `authorization.credentials_file` or `bearer_token_file`.
    public var credentialsFile: String?
    /// `basic_auth.username`.
    public var basicAuthUsername: String?
    /// `basic_auth.password` (inline; discouraged).
    public var basicAuthPassword: String?
    /// `basic_auth.password_file`.
    public var basicAuthPasswordFile: String?
    /// `proxy_url`.
    public var proxyURL: String?
    /// `follow_redirects`; default true.
    public var followRedirects: Bool
    /// `tls_config.ca_file`, `cert_file`, `key_file`, `server_name`, `insecure_skip_verify` (default false).
    public var tlsCAFile: String?
    public var tlsCertFile: String?
    public var tlsKeyFile: String?
    public var tlsServerName: String?
    public var tlsInsecureSkipVerify: Bool

    public init(
        authorizationType: String = "Bearer", credentials: String? = nil, credentialsFile: String? = nil,
        basicAuthUsername: String? = nil, basicAuthPassword: String? = nil, basicAuthPasswordFile: String? = nil,
        proxyURL: String? = nil, followRedirects: Bool = true,
        tlsCAFile: String? = nil, tlsCertFile: String? = nil, tlsKeyFile: String? = nil,
        tlsServerName: String? = nil, tlsInsecureSkipVerify: Bool = false
    ) {
        self.authorizationType = authorizationType
        self.credentials = credentials
        self.credentialsFile = credentialsFile
        self.basicAuthUsername = basicAuthUsername
        self.basicAuthPassword = basicAuthPassword
        self.basicAuthPasswordFile = basicAuthPasswordFile
        self.proxyURL = proxyURL
        self.followRedirects = followRedirects
        self.tlsCAFile = tlsCAFile
        self.tlsCertFile = tlsCertFile
        self.tlsKeyFile = tlsKeyFile
        self.tlsServerName = tlsServerName
        self.tlsInsecureSkipVerify = tlsInsecureSkipVerify
    }
}
