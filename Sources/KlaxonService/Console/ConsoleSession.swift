import Crypto
import Foundation
import Hummingbird

/// A console login: who (the name given at login, the audit log's actor) and the CSRF value
/// every form of this session carries. Stateless: the cookie holds the issue time, a random
/// nonce and the name, signed with a key derived from the API token, so a restart keeps
/// sessions and a new token ends them all.
struct ConsoleSession: Sendable, Equatable {
    let name: String
    let nonce: String
    let issuedAt: Int
    /// Goes into every form as `csrf`; a POST whose value differs is refused.
    let csrf: String

    static let cookieName = "klaxon_session"
    /// How long a login lasts: 12 hours.
    static let lifetime = 12 * 3600
    /// Names are short and plain: they end up in the audit log.
    static let nameCharacters = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "._@-"))

    /// A new session for `name` at `now`, and the cookie that carries it (`HttpOnly`,
    /// `SameSite=Strict`, path `/`).
    static func issue(name: String, key: SymmetricKey, now: Date) -> (ConsoleSession, Cookie) {
        let nonce = SymmetricKey(size: .bits128).withUnsafeBytes { Data($0) }.hexString
        let issued = Int(now.timeIntervalSince1970)
        let session = ConsoleSession(name: name, nonce: nonce, issuedAt: issued, csrf: csrfValue(nonce: nonce, key: key))
        let payload = "\(issued).\(nonce).\(Data(name.utf8).hexString)"
        let value = payload + "." + Data(HMAC<SHA256>.authenticationCode(for: Data(payload.utf8), using: key)).hexString
        let cookie = Cookie(name: cookieName, value: value, maxAge: lifetime, path: "/", httpOnly: true, sameSite: .strict)
        return (session, cookie)
    }

    /// The session a request's cookie carries, if its signature holds and it has not expired.
    static func read(_ request: Request, key: SymmetricKey?, now: Date) -> ConsoleSession? {
        guard let key, let value = request.cookies[cookieName]?.value else { return nil }
        let parts = value.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4, let issued = Int(parts[0]), let mac = Data(hex: parts[3]), let nameBytes = Data(hex: parts[2]) else {
            return nil
        }
        let payload = parts[0...2].joined(separator: ".")
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Data(payload.utf8), using: key) else { return nil }
        let (age, overflow) = Int(now.timeIntervalSince1970).subtractingReportingOverflow(issued)
        guard !overflow, age >= 0, age < lifetime else { return nil }
        return ConsoleSession(
            name: String(decoding: nameBytes, as: UTF8.self), nonce: parts[1], issuedAt: issued, csrf: csrfValue(nonce: parts[1], key: key))
    }

    /// A cookie that ends the session in the browser.
    static var cleared: Cookie {
        Cookie(name: cookieName, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .strict)
    }

    /// Whether a form's `csrf` value is this session's, compared in constant time.
    func accepts(csrf given: String?) -> Bool {
        guard let given, given.utf8.count == csrf.utf8.count else { return false }
        var diff: UInt8 = 0
        for (a, b) in zip(given.utf8, csrf.utf8) { diff |= a ^ b }
        return diff == 0
    }

    static func csrfValue(nonce: String, key: SymmetricKey) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: Data("csrf.\(nonce)".utf8), using: key)).hexString
    }
}
