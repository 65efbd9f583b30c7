import Crypto
import Foundation
import KlaxonCore

/// The bearer token state-changing API calls must present. Read once from a file or an
/// environment variable; never logged. With no token configured those calls are refused.
struct ApiToken: Sendable {
    private let value: [UInt8]?

    init(config: ServiceConfig, environment: [String: String]) throws {
        if let file = config.apiTokenFile {
            guard let data = FileManager.default.contents(atPath: file) else { throw ConfigFailure("http.token_file: cannot read \(file)") }
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else { throw ConfigFailure("http.token_file: \(file) is empty") }
            value = Array(token.utf8)
        } else if let token = environment[config.apiTokenEnv], !token.isEmpty {
            value = Array(token.utf8)
        } else {
            value = nil
        }
    }

    var isConfigured: Bool { value != nil }

    /// Checks an `Authorization: Bearer …` header. Both sides are hashed first and the 32-byte
    /// digests compared without an early exit, so neither the time taken nor its dependence on
    /// the given length tells anything about the token's bytes or length.
    func accepts(authorization: String?) -> Bool {
        guard let value, let header = authorization, header.hasPrefix("Bearer ") else { return false }
        let given = SHA256.hash(data: Array(header.dropFirst("Bearer ".count).utf8))
        let expected = SHA256.hash(data: value)
        var diff: UInt8 = 0
        for (a, b) in zip(given, expected) { diff |= a ^ b }
        return diff == 0
    }

    /// Checks a token typed into the console's login form, as `accepts(authorization:)` does.
    func accepts(token: String) -> Bool { accepts(authorization: "Bearer " + token) }

    /// A key derived from the token that signs the console's session cookies and CSRF values:
    /// changing the token ends every session. Nil without a token.
    var sessionKey: SymmetricKey? {
        value.map { SymmetricKey(data: SHA256.hash(data: Array("klaxon-console-session\u{0}".utf8) + $0)) }
    }
}
