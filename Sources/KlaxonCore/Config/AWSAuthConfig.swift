/// Alertmanager's `sigv4` block, as every AWS receiver (SNS, CloudWatch Logs, Security Hub)
/// takes it. Credentials come, in order, from `access_key` with `secret_key_file` (or inline
/// `secret_key`, warned), the environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
/// `AWS_SESSION_TOKEN`), then the shared credentials file (`credentials_file`, else
/// `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`) under `profile` (else
/// `AWS_PROFILE`, else `default`). `role_arn` is refused at load (no STS in Klaxon).
public struct AWSAuthConfig: Sendable, Hashable {
    /// `region`; default `AWS_REGION`/`AWS_DEFAULT_REGION`, or the region in the ARN.
    public var region: String?
    public var accessKey: String?
    public var secretKey: String?
    /// Klaxon: a file holding the secret access key.
    public var secretKeyFile: String?
    public var profile: String?
    /// Klaxon: a shared credentials file (INI with `[profile]` sections).
    public var credentialsFile: String?

    public init(
        region: String? = nil, accessKey: String? = nil, secretKey: String? = nil, secretKeyFile: String? = nil,
        profile: String? = nil, credentialsFile: String? = nil
    ) {
        self.region = region
        self.accessKey = accessKey
        self.secretKey = secretKey
        self.secretKeyFile = secretKeyFile
        self.profile = profile
        self.credentialsFile = credentialsFile
    }
}
