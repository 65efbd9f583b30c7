/// Alertmanager's `webhook_configs` entry, plus Klaxon's signing secrets and body template.
public struct WebhookConfig: Sendable, Hashable {
    /// `url`; exactly one of `url` and `urlFile` is set.
    public var url: String?
    /// `url_file`: a file holding the URL (read by the delivery layer, not the loader); its
    /// path is treated as secret and never printed.
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
    /// Klaxon: file or environment variable holding a Standard Webhooks secret (`whsec_<base64>`);
    /// when set, `webhook-id`, `webhook-timestamp` and `webhook-signature` headers are sent.
    public var standardWebhooksSecretFile: String?
    public var standardWebhooksSecretEnv: String?
    /// Klaxon: Mustache template for the body (`body_template`), rendered over the notification;
    /// `{{x}}` is JSON-string escaped. Default: Alertmanager's webhook JSON.
    public var bodyTemplate: String?
    /// Klaxon: `Content-Type` of a templated body; default `application/json`.
    public var contentType: String

    public init(
        url: String? = nil, urlFile: String? = nil, sendResolved: Bool = true, maxAlerts: Int = 0,
        httpConfig: HTTPClientConfig = HTTPClientConfig(), hmacSecretFile: String? = nil, hmacSecretEnv: String? = nil,
        standardWebhooksSecretFile: String? = nil, standardWebhooksSecretEnv: String? = nil, bodyTemplate: String? = nil,
        contentType: String = "application/json"
    ) {
        self.url = url
        self.urlFile = urlFile
        self.sendResolved = sendResolved
        self.maxAlerts = maxAlerts
        self.httpConfig = httpConfig
        self.hmacSecretFile = hmacSecretFile
        self.hmacSecretEnv = hmacSecretEnv
        self.standardWebhooksSecretFile = standardWebhooksSecretFile
        self.standardWebhooksSecretEnv = standardWebhooksSecretEnv
        self.bodyTemplate = bodyTemplate
        self.contentType = contentType
    }
}
