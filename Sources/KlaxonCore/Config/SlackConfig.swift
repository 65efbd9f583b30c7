/// Alertmanager's `slack_configs` entry. Two ways to post:
/// - an incoming webhook: `api_url` or `api_url_file` (the URL is the secret);
/// - a bot token (`app_token` or `app_token_file`, as in Alertmanager 0.28) with
///   `chat.postMessage` at `app_url` (default `https://slack.com/api/chat.postMessage`); then a
///   resolve updates the original message with `chat.update` instead of posting a new one.
/// `title` and `text` are Mustache templates.
public struct SlackConfig: Sendable, Hashable {
    public var apiURL: String?
    public var apiURLFile: String?
    public var appToken: String?
    public var appTokenFile: String?
    /// `app_url`: the `chat.postMessage` URL; `chat.update` is its sibling method.
    public var appURL: String?
    /// `channel`; required with a bot token.
    public var channel: String?
    public var username: String?
    public var title: String?
    public var text: String?
    public var color: String?
    public var iconEmoji: String?
    public var iconURL: String?
    /// `send_resolved`; default false, as in Alertmanager.
    public var sendResolved: Bool
    public var httpConfig: HTTPClientConfig

    public init(
        apiURL: String? = nil, apiURLFile: String? = nil, appToken: String? = nil, appTokenFile: String? = nil,
        appURL: String? = nil, channel: String? = nil, username: String? = nil, title: String? = nil, text: String? = nil,
        color: String? = nil, iconEmoji: String? = nil, iconURL: String? = nil, sendResolved: Bool = false,
        httpConfig: HTTPClientConfig = HTTPClientConfig()
    ) {
        self.apiURL = apiURL
        self.apiURLFile = apiURLFile
        self.appToken = appToken
        self.appTokenFile = appTokenFile
        self.appURL = appURL
        self.channel = channel
        self.username = username
        self.title = title
        self.text = text
        self.color = color
        self.iconEmoji = iconEmoji
        self.iconURL = iconURL
        self.sendResolved = sendResolved
        self.httpConfig = httpConfig
    }

    /// True when posting with a bot token (`chat.postMessage`), false for an incoming webhook.
    public var usesBotToken: Bool { appToken != nil || appTokenFile != nil }
}
