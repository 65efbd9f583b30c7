/// Alertmanager's `webhook_configs` entry, plus Klaxon's HMAC signing secret reference.
public struct WebhookConfig: Sendable, Hashable {
    /// `url`; exactly one of `url` and `urlFile` is set.
    public var url: String?
    /// `url_file`: a file holding the URL (read by the delivery layer, not the loader).
    public var urlFile: String?
    /// `send_resolved`; default true.
    public var sendResolved: Bool
    /// `max_alerts`: at most this many alerts per notification; default 0 = all.
    public var maxAlerts: Int
    /// `http_config`; defaults when absent.
    public var httpConfig: HTTPClientConfig
    /// Klaxon: file holding the HMAC-SHA256 key for the `X-Klaxon-Signature` header.
    public var hmacSecretFile: String?
    /// Klaxon: environment variable holding the HMAC key.
    public var hmacSecretEnv: String?

    public init(
        url: String? = nil, urlFile: String? = nil, sendResolved: Bool = true, maxAlerts: Int = 0,
        httpConfig: HTTPClientConfig = HTTPClientConfig(), hmacSecretFile: String? = nil, hmacSecretEnv: String? = nil
    ) {
        self.url = url
        self.urlFile = urlFile
        self.sendResolved = sendResolved
        self.maxAlerts = maxAlerts
        self.httpConfig = httpConfig
        self.hmacSecretFile = hmacSecretFile
        self.hmacSecretEnv = hmacSecretEnv
    }
}
