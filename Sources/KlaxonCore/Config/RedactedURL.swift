/// A URL as it may be printed or stored: the password of the userinfo and every query value
/// replaced by `***` (`https://user:***@host/path?token=***`), the fragment dropped. With
/// `hidePath` the path goes too, for URLs whose path is the secret (Slack incoming webhooks,
/// any URL read from a `*_file`). Every log line, error message and `outbox.last_error` that
/// names a receiver's URL goes through this type.
public struct RedactedURL: Sendable, Hashable, CustomStringConvertible {
    public let description: String

    public init(_ raw: String, hidePath: Bool = false) {
        description = Self.redact(raw, hidePath: hidePath)
    }

    static func redact(_ raw: String, hidePath: Bool) -> String {
        guard let schemeEnd = raw.range(of: "://") else {
            // Not an absolute URL: nothing tells a host from a secret, so show only its query keys.
            return hidePath ? "***" : redactQuery(raw)
        }
        let scheme = raw[..<schemeEnd.lowerBound]
        let rest = raw[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        var authority = String(rest[..<authorityEnd])
        if let at = authority.lastIndex(of: "@") {
            let userinfo = authority[..<at]
            let host = authority[authority.index(after: at)...]
            if let colon = userinfo.firstIndex(of: ":") {
                authority = "\(userinfo[..<colon]):***@\(host)"
            } else {
                // A lone userinfo is usually a token (`https://TOKEN@host`).
                authority = "***@\(host)"
            }
        }
        let tail = String(rest[authorityEnd...])
        if hidePath { return "\(scheme)://\(authority)\(tail.isEmpty ? "" : "/***")" }
        return "\(scheme)://\(authority)\(redactQuery(tail))"
    }

    /// `path?a=1&b=2#frag` → `path?a=***&b=***`.
    static func redactQuery(_ s: String) -> String {
        let noFragment = s.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? s
        guard let q = noFragment.firstIndex(of: "?") else { return noFragment }
        let path = noFragment[..<q]
        let items = noFragment[noFragment.index(after: q)...].split(separator: "&", omittingEmptySubsequences: false).map { item in
            guard let eq = item.firstIndex(of: "=") else { return String(item) }
            return "\(item[..<eq])=***"
        }
        return "\(path)?\(items.joined(separator: "&"))"
    }
}
