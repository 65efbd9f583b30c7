/// Alertmanager's `slack_configs` entry (common fields), for Slack-compatible incoming webhooks.
public struct SlackConfig: Sendable, Hashable {
    /// `api_url`; one of `apiURL` and `apiURLFile` (or Alertmanager's `global.slack_api_url`,
    /// which Klaxon does not read) is expected.
    public var apiURL: String?
    public var apiURLFile: String?
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
        apiURL: String? = nil, apiURLFile: String? = nil, channel: String? = nil, username: String? = nil,
        title: String? = nil, text: String? = nil, color: String? = nil, iconEmoji: String? = nil,
        iconURL: String? = nil, sendResolved: Bool = false, httpConfig: HTTPClientConfig = HTTPClientConfig()
    ) {
        self.apiURL = apiURL
        self.apiURLFile = apiURLFile
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
}
