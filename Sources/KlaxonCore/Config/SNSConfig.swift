/// Alertmanager's `sns_configs` entry (common fields). One of `topicARN`, `targetARN`,
/// `phoneNumber` is set.
public struct SNSConfig: Sendable, Hashable {
    public var topicARN: String?
    public var targetARN: String?
    public var phoneNumber: String?
    /// `api_url`: endpoint override (e.g. a local moto server).
    public var apiURL: String?
    /// `sigv4.region`, `sigv4.profile`, `sigv4.role_arn`, `sigv4.access_key` (secret_key is not kept).
    public var region: String?
    public var profile: String?
    public var roleARN: String?
    public var accessKey: String?
    /// `subject` and `message` templates, raw.
    public var subject: String?
    public var message: String?
    public var attributes: [String: String]
    /// `send_resolved`; default true.
    public var sendResolved: Bool
    public var httpConfig: HTTPClientConfig

    public init(
        topicARN: String? = nil, targetARN: String? = nil, phoneNumber: String? = nil, apiURL: String? = nil,
        region: String? = nil, profile: String? = nil, roleARN: String? = nil, accessKey: String? = nil,
        subject: String? = nil, message: String? = nil, attributes: [String: String] = [:],
        sendResolved: Bool = true, httpConfig: HTTPClientConfig = HTTPClientConfig()
    ) {
        self.topicARN = topicARN
        self.targetARN = targetARN
        self.phoneNumber = phoneNumber
        self.apiURL = apiURL
        self.region = region
        self.profile = profile
        self.roleARN = roleARN
        self.accessKey = accessKey
        self.subject = subject
        self.message = message
        self.attributes = attributes
        self.sendResolved = sendResolved
        self.httpConfig = httpConfig
    }
}
