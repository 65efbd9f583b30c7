import Foundation
import KlaxonCore
import KlaxonDelivery
import Testing

/// Where AWS credentials come from, in order.
@Suite struct AWSCredentialsTests {
    @Test func configuredKeyThenEnvironmentThenSharedFileWithProfile() throws {
        let dir = try ChannelFixtures.tempDir("aws")
        let secretFile = dir.appendingPathComponent("secret").path
        try "from-file\n".write(toFile: secretFile, atomically: true, encoding: .utf8)
        let shared = dir.appendingPathComponent("credentials").path
        try """
            # comment
            [default]
            aws_access_key_id = AKIADEFAULT
            aws_secret_access_key = default-secret

            [sec]
            aws_access_key_id=AKIASEC
            aws_secret_access_key=sec-secret
            aws_session_token = tok
            """.write(toFile: shared, atomically: true, encoding: .utf8)
        let env = ["AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "env-secret", "AWS_SHARED_CREDENTIALS_FILE": shared]

        let configured = AWSCredentialsProvider(config: AWSAuthConfig(accessKey: "AKIACONF", secretKeyFile: secretFile), environment: env)
        #expect(try configured.credentials() == AWSCredentials(accessKeyID: "AKIACONF", secretAccessKey: "from-file"))
        #expect(try AWSCredentialsProvider(config: AWSAuthConfig(), environment: env).credentials().accessKeyID == "AKIAENV")
        let profile = AWSCredentialsProvider(config: AWSAuthConfig(profile: "sec"), environment: env)
        #expect(try profile.credentials() == AWSCredentials(accessKeyID: "AKIASEC", secretAccessKey: "sec-secret", sessionToken: "tok"))
        let fallback = AWSCredentialsProvider(config: AWSAuthConfig(), environment: ["AWS_SHARED_CREDENTIALS_FILE": shared])
        #expect(try fallback.credentials().accessKeyID == "AKIADEFAULT")
        let missing = AWSCredentialsProvider(config: AWSAuthConfig(profile: "nope"), environment: env)
        #expect(throws: (any Error).self) { try missing.credentials() }
        #expect(!"\(try profile.credentials())".contains("sec-secret"), "credentials never print their secret")
        #expect(AWSCredentialsProvider(config: AWSAuthConfig(), environment: ["AWS_REGION": "ap-south-1"]).region(arn: "arn:aws:sns:eu-west-1:1:t") == "ap-south-1")
    }
}
