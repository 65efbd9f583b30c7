import Foundation

/// Host, port and credentials of a `proxy_url`.
public struct ProxyAddress: Sendable, Hashable {
    public var socks: Bool
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?

    /// Parses `scheme://[user:pass@]host[:port][/]`; nil when there is no host or the port is bad.
    public init?(_ s: String) {
        guard let schemeEnd = s.range(of: "://") else { return nil }
        let scheme = s[..<schemeEnd.lowerBound].lowercased()
        var authority = s[schemeEnd.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@") {
            let userinfo = authority[..<at]
            let parts = userinfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            username = parts.first.map { String($0).removingPercentEncoding ?? String($0) }
            password = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : nil
            authority = authority[authority.index(after: at)...]
        }
        socks = scheme == "socks5"
        let defaultPort = socks ? 1080 : (scheme == "https" ? 443 : 80)
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            guard let p = Int(authority[authority.index(after: colon)...]), (1...65535).contains(p) else { return nil }
            host = String(authority[..<colon])
            port = p
        } else {
            host = String(authority)
            port = defaultPort
        }
        host = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if host.isEmpty { return nil }
    }
}
