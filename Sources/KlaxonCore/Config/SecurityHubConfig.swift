/// Klaxon's `securityhub_configs` entry: findings in ASFF through `BatchImportFindings`.
/// Alerts whose `source` label is `securityhub` are not sent back (they came from there).
public struct SecurityHubConfig: Sendable, Hashable {
    /// `account_id`: the AWS account findings belong to (12 digits).
    public var accountID: String
    /// `product_arn`; default `arn:aws:securityhub:REGION:ACCOUNT:product/ACCOUNT/default`.
    public var productARN: String?
    /// `api_url`: endpoint override; default `https://securityhub.REGION.amazonaws.com`.
    public var apiURL: String?
    public var sigv4: AWSAuthConfig
    /// `send_resolved`; default true (a resolve archives the finding).
    public var sendResolved: Bool
    public var httpConfig: HTTPClientConfig

    public init(
        accountID: String, productARN: String? = nil, apiURL: String? = nil, sigv4: AWSAuthConfig = AWSAuthConfig(),
        sendResolved: Bool = true, httpConfig: HTTPClientConfig = HTTPClientConfig()
    ) {
        self.accountID = accountID
        self.productARN = productARN
        self.apiURL = apiURL
        self.sigv4 = sigv4
        self.sendResolved = sendResolved
        self.httpConfig = httpConfig
    }
}
