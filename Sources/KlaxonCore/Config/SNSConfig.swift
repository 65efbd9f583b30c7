/// Alertmanager's `sns_configs` entry. Exactly one of `topicARN`, `targetARN`, `phoneNumber` is set.
public struct SNSConfig: Sendable, Hashable {
    public var topicARN: String?
    public var targetARN: String?
    public var phoneNumber: String?
    /// `api_url`: endpoint override (e.g. a local moto server); default `https://sns.REGION.amazonaws.com`.
    public var apiURL: String?
    public var sigv4: AWSAuthConfig
    /// `subject` and `message` Mustache templates; defaults: a one-line title and a readable summary.
    public var subject: String?
    public var message: String?
    /// Extra message attributes (String type), beside Klaxon's `severity`, `source`, `environment`.
    public var attributes: [String: String]
    /// `send_resolved`; default true.
    public var sendResolved: Bool
    public var httpConfig: HTTPClientConfig

    public init(
        topicARN: String? = nil, targetARN: String? = nil, phoneNumber: String? = nil, apiURL: String? = nil,
        sigv4: AWSAuthConfig = AWSAuthConfig(), subject: String? = nil, message: String? = nil,
        attributes: [String: String] = [:], sendResolved: Bool = true, httpConfig: HTTPClientConfig = HTTPClientConfig()
    ) {
        self.topicARN = topicARN
        self.targetARN = targetARN
        self.phoneNumber = phoneNumber
        self.apiURL = apiURL
        self.sigv4 = sigv4
        self.subject = subject
        self.message = message
        self.attributes = attributes
        self.sendResolved = sendResolved
        self.httpConfig = httpConfig
    }

    /// `sigv4.region`.
    public var region: String? { sigv4.region }
}
