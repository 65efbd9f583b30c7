import Foundation
import KlaxonCore

/// An access key pair, with a session token for temporary credentials. `description` never
/// shows the secret.
public struct AWSCredentials: Sendable, Hashable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    public var description: String { "AWSCredentials(\(accessKeyID), secret: ***)" }
}

/// Finds credentials for a `sigv4` block, in this order: `access_key` with `secret_key_file`
/// (or inline `secret_key`); the shared credentials file when `profile` or `credentials_file`
/// is configured; `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`; the shared
/// credentials file (`AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`) under
/// `AWS_PROFILE` or `default`. Files are read on every call, so rotated keys are picked up.
public struct AWSCredentialsProvider: Sendable {
    let config: AWSAuthConfig
    let environment: [String: String]

    public init(config: AWSAuthConfig, environment: [String: String]) {
        self.config = config
        self.environment = environment
    }

    /// - Throws: `TransportSetupError` saying which source was tried and what is missing.
    public func credentials() throws -> AWSCredentials {
        if let id = config.accessKey {
            let secret = try config.secretKey ?? config.secretKeyFile.map { try SecretFile.read($0, what: "sigv4 secret_key_file") }
            guard let secret else { throw TransportSetupError("sigv4: access_key needs secret_key_file") }
            return AWSCredentials(accessKeyID: id, secretAccessKey: secret)
        }
        if config.profile == nil && config.credentialsFile == nil,
           let id = environment["AWS_ACCESS_KEY_ID"], !id.isEmpty,
           let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty {
            let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
            return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: token)
        }
        let path = config.credentialsFile ?? environment["AWS_SHARED_CREDENTIALS_FILE"]
            ?? environment["HOME"].map { "\($0)/.aws/credentials" }
        let profile = config.profile ?? environment["AWS_PROFILE"] ?? "default"
        guard let path else { throw TransportSetupError("no AWS credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a credentials file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TransportSetupError("no AWS credentials: environment not set and cannot read \(path)")
        }
        let sections = Self.parseINI(String(decoding: data, as: UTF8.self))
        guard let s = sections[profile] else { throw TransportSetupError("no profile [\(profile)] in \(path)") }
        guard let id = s["aws_access_key_id"], let secret = s["aws_secret_access_key"] else {
            throw TransportSetupError("profile [\(profile)] in \(path) lacks aws_access_key_id or aws_secret_access_key")
        }
        return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: s["aws_session_token"])
    }

    /// `[section]` → `key = value`, comments (`#`, `;`) and blank lines skipped.
    static func parseINI(_ text: String) -> [String: [String: String]] {
        var out: [String: [String: String]] = [:]
        var current: String?
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                var name = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                if name.hasPrefix("profile ") { name = String(name.dropFirst(8)).trimmingCharacters(in: .whitespaces) }
                current = name
                out[name, default: [:]] = out[name] ?? [:]
                continue
            }
            guard let current, let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            out[current]?[key] = value
        }
        return out
    }

    /// The region: `sigv4.region`, else `AWS_REGION`/`AWS_DEFAULT_REGION`, else the one in `arn`.
    public func region(arn: String? = nil) -> String? {
        if let r = config.region { return r }
        if let r = environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"], !r.isEmpty { return r }
        if let parts = arn?.split(separator: ":", omittingEmptySubsequences: false), parts.count > 3, !parts[3].isEmpty {
            return String(parts[3])
        }
        return nil
    }
}
