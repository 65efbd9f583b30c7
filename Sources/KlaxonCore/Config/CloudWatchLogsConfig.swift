/// Klaxon's `cloudwatch_logs_configs` entry: one JSON log event per alert, sent with
/// `PutLogEvents`; the group and stream are created when missing.
public struct CloudWatchLogsConfig: Sendable, Hashable {
    public var logGroup: String
    /// `log_stream`; default `klaxon`.
    public var logStream: String
    /// `api_url`: endpoint override; default `https://logs.REGION.amazonaws.com`.
    public var apiURL: String?
    public var sigv4: AWSAuthConfig
    /// `send_resolved`; default true.
    public var sendResolved: Bool
    public var httpConfig: HTTPClientConfig

    public init(
        logGroup: String, logStream: String = "klaxon", apiURL: String? = nil, sigv4: AWSAuthConfig = AWSAuthConfig(),
        sendResolved: Bool = true, httpConfig: HTTPClientConfig = HTTPClientConfig()
    ) {
        self.logGroup = logGroup
        self.logStream = logStream
        self.apiURL = apiURL
        self.sigv4 = sigv4
        self.sendResolved = sendResolved
        self.httpConfig = httpConfig
    }
}
