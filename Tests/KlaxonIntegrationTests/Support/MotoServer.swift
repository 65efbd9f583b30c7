import Foundation
import KlaxonTesting
import Testing

/// `moto_server` in strict IAM mode for the AWS channel tests. It starts with
/// `INITIAL_NO_AUTH_ACTION_COUNT=3`: exactly the three unauthenticated IAM calls that create a
/// user, give it a policy allowing SNS, SQS, CloudWatch Logs and Security Hub, and create its
/// access key; every later request must carry a valid SigV4 signature from that key and be
/// allowed by the policy. Setup and read-back use the AWS CLI (an independent signer).
final class MotoServer: @unchecked Sendable {
    // @unchecked: the child process and the fields set in `start` are used by one test at a time.
    static let account = "123456789012"
    static let region = "us-east-1"
    let process: ChildProcess
    let dir: URL
    let endpoint: String
    private(set) var accessKeyID = ""
    private(set) var secretAccessKey = ""

    /// Starts moto on a free port (it prints the port it took) and creates the IAM user.
    static func start() async throws -> MotoServer {
        let moto = try Tools.require("moto_server", package: "pip install 'moto[server]' (make deps)")
        _ = try Tools.require("aws", package: "pip install awscli (make deps)")
        let dir = try ChannelFixtures.tempDir("moto")
        let process = try ChildProcess(moto, ["-H", "127.0.0.1", "-p", "0"], environment: ["INITIAL_NO_AUTH_ACTION_COUNT": "3"], in: dir)
        var port = 0
        do {
            try await eventually("moto_server prints its address", timeout: .seconds(90)) {
                let out = process.stderr + process.stdout
                if !process.isRunning { throw TimedOut(what: "moto_server exited: \(out.suffix(1000))") }
                guard let r = out.range(of: "Running on http://127.0.0.1:") else { return false }
                port = Int(out[r.upperBound...].prefix { $0.isNumber }) ?? 0
                return port > 0
            }
        } catch {
            _ = try? await process.stop(signal: SIGKILL)
            throw error
        }
        let server = MotoServer(process: process, dir: dir, endpoint: "http://127.0.0.1:\(port)")
        do { try await server.createUser() } catch {
            await server.stop()
            throw error
        }
        return server
    }

    private init(process: ChildProcess, dir: URL, endpoint: String) {
        self.process = process
        self.dir = dir
        self.endpoint = endpoint
    }

    private func createUser() async throws {
        let policy = """
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sns:*","sqs:*","logs:*","securityhub:*"],"Resource":"*"}]}
            """
        let anon = ["AWS_ACCESS_KEY_ID": "AKIABOOTSTRAP0000000", "AWS_SECRET_ACCESS_KEY": "bootstrap"]
        _ = try await aws(["iam", "create-user", "--user-name", "klaxon"], env: anon)
        _ = try await aws(["iam", "put-user-policy", "--user-name", "klaxon", "--policy-name", "channels", "--policy-document", policy], env: anon)
        let key = try await aws(["iam", "create-access-key", "--user-name", "klaxon"], env: anon)
        let k = try #require(key["AccessKey"] as? [String: Any])
        accessKeyID = try #require(k["AccessKeyId"] as? String)
        secretAccessKey = try #require(k["SecretAccessKey"] as? String)
    }

    /// The IAM user's credentials as environment variables (what a sink reads).
    var credentialsEnvironment: [String: String] {
        ["AWS_ACCESS_KEY_ID": accessKeyID, "AWS_SECRET_ACCESS_KEY": secretAccessKey, "AWS_REGION": Self.region]
    }

    /// Runs `aws --endpoint-url … ARGS --output json` as the IAM user (or with `env`); the JSON answer.
    @discardableResult
    func aws(_ args: [String], env: [String: String]? = nil) async throws -> [String: Any] {
        let awsPath = try Tools.require("aws", package: "pip install awscli (make deps)")
        var environment = env ?? ["AWS_ACCESS_KEY_ID": accessKeyID, "AWS_SECRET_ACCESS_KEY": secretAccessKey]
        environment["AWS_DEFAULT_REGION"] = Self.region
        environment["AWS_SESSION_TOKEN"] = ""
        environment["AWS_CONFIG_FILE"] = dir.appendingPathComponent("none").path
        environment["AWS_SHARED_CREDENTIALS_FILE"] = dir.appendingPathComponent("none").path
        let (status, out, err) = try await ChildProcess.run(awsPath, ["--endpoint-url", endpoint, "--output", "json"] + args, environment: environment, in: dir)
        guard status == 0 else { throw AWSCLIFailed(args: args, stderr: err) }
        if out.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return [:] }
        return (try JSONSerialization.jsonObject(with: Data(out.utf8))) as? [String: Any] ?? [:]
    }

    /// Kills moto (SIGKILL: it keeps nothing worth flushing, and a SIGTERM can stay pending
    /// in a child that inherited a blocked signal mask) and waits for it to exit.
    func stop() async {
        _ = try? await process.stop(signal: SIGKILL, timeout: .seconds(20))
    }

    struct AWSCLIFailed: Error, CustomStringConvertible {
        let args: [String]
        let stderr: String
        var description: String { "aws \(args.prefix(2).joined(separator: " ")) failed: \(stderr.suffix(600))" }
    }
}
