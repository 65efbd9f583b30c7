import AsyncHTTPClient
import Foundation
import KlaxonCore
import NIOCore
import NIOHTTP1
import NIOSSL

/// How one integration speaks HTTP, built from its `http_config`: the client (redirects,
/// proxy, HTTP/2), the TLS settings, and the `Authorization` header. Every HTTP sink sends
/// through one, so no `http_config` field is read and then forgotten.
public struct HTTPTransport: Sendable {
    let client: HTTPClient
    let tls: TLSConfiguration?
    /// The `Authorization` header value (basic, bearer or another type); never logged.
    let authorization: String?
    /// `tls_config.server_name`: the name sent in SNI and verified, while connecting to the URL's host.
    let serverName: String?

    /// Plain HTTP(S) with system trust, redirects followed, no credentials.
    public static let plain = HTTPTransport(client: HTTPClients.client(for: .init()), tls: nil, authorization: nil, serverName: nil)

    /// Plain HTTP(S) through the given client (a benchmark's, with its own pool).
    public init(client: HTTPClient) {
        self.init(client: client, tls: nil, authorization: nil, serverName: nil)
    }

    init(client: HTTPClient, tls: TLSConfiguration?, authorization: String?, serverName: String?) {
        self.client = client
        self.tls = tls
        self.authorization = authorization
        self.serverName = serverName
    }

    /// A transport for requests to `url`'s host (needed for `server_name`), reading secret and
    /// certificate files now. - Throws: `TransportSetupError` naming the field that cannot be honoured.
    public init(config c: HTTPClientConfig, url: String) throws {
        var key = HTTPClients.Key()
        key.followRedirects = c.followRedirects
        key.http1Only = !c.enableHTTP2
        if let raw = c.proxyURL {
            guard let p = ProxyAddress(raw) else { throw TransportSetupError("proxy_url \(RedactedURL(raw)) cannot be parsed") }
            if p.socks {
                guard p.username == nil else { throw TransportSetupError("proxy_url: socks5 proxies with credentials are not supported") }
                key.proxy = .socksServer(host: p.host, port: p.port)
            } else {
                let auth = p.username.map { HTTPClient.Authorization.basic(username: $0, password: p.password ?? "") }
                key.proxy = .server(host: p.host, port: p.port, authorization: auth)
            }
        }
        if let name = c.tlsServerName {
            guard let host = ProxyAddress(url)?.host else { throw TransportSetupError("server_name needs a URL with a host") }
            key.dnsOverride = [name: host]
        }
        self.client = HTTPClients.client(for: key)
        self.serverName = c.tlsServerName
        self.tls = c.hasTLSSettings ? try Self.tlsConfiguration(c) : nil
        self.authorization = try Self.authorization(c)
    }

    static func tlsConfiguration(_ c: HTTPClientConfig) throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        do {
            if let ca = c.tlsCAFile { tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca)) }
            if let cert = c.tlsCertFile, let key = c.tlsKeyFile {
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
            }
        } catch {
            throw TransportSetupError("tls_config: cannot load certificate or key: \(error)")
        }
        if c.tlsInsecureSkipVerify { tls.certificateVerification = .none }
        let versions: [String: TLSVersion] = ["TLS10": .tlsv1, "TLS11": .tlsv11, "TLS12": .tlsv12, "TLS13": .tlsv13]
        if let v = c.tlsMinVersion.flatMap({ versions[$0] }) { tls.minimumTLSVersion = v }
        if let v = c.tlsMaxVersion.flatMap({ versions[$0] }) { tls.maximumTLSVersion = v }
        return tls
    }

    static func authorization(_ c: HTTPClientConfig) throws -> String? {
        if c.basicAuthUsername != nil || c.basicAuthUsernameFile != nil {
            let user = try c.basicAuthUsername ?? SecretFile.read(c.basicAuthUsernameFile!, what: "basic_auth username_file")
            let password = try c.basicAuthPassword ?? c.basicAuthPasswordFile.map { try SecretFile.read($0, what: "basic_auth password_file") } ?? ""
            return "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        }
        let credentials = try c.credentials ?? c.credentialsFile.map { try SecretFile.read($0, what: "credentials file") }
        return credentials.map { "\(c.authorizationType) \($0)" }
    }

    /// Sends `request` and reads up to `maxBody` bytes of the answer. A transport failure
    /// (refused, reset, TLS, timeout) throws a retriable `DeliveryError` naming `request` by
    /// its redacted URL only.
    func send(_ request: HTTPClientRequest, timeout: Duration, maxBody: Int = 1 << 20) async throws -> HTTPAnswer {
        var request = request
        let shown = RedactedURL(request.url)
        if let authorization, !request.headers.contains(name: "Authorization") {
            request.headers.add(name: "Authorization", value: authorization)
        }
        if let tls { request.tlsConfiguration = tls }
        if let serverName, let original = ProxyAddress(request.url) {
            // Connect to the real host (dnsOverride) while SNI and verification use server_name.
            request.headers.replaceOrAdd(name: "Host", value: original.port == 443 || original.port == 80 ? original.host : "\(original.host):\(original.port)")
            request.url = request.url.replacingOccurrences(of: "://\(original.host)", with: "://\(serverName)")
        }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000))
        } catch {
            throw DeliveryError("\(request.method.rawValue) \(shown): \(Self.scrub("\(error)", url: request.url))")
        }
        let body: ByteBuffer
        do { body = try await response.body.collect(upTo: maxBody) } catch {
            throw DeliveryError("\(request.method.rawValue) \(shown): HTTP \(response.status.code), unreadable body: \(error)")
        }
        let bytes = Data(body.readableBytesView)
        return HTTPAnswer(status: Int(response.status.code), headers: response.headers, body: bytes, what: "\(request.method.rawValue) \(shown)")
    }

    /// Removes a raw URL from a library's error text (it may carry credentials).
    static func scrub(_ text: String, url: String) -> String {
        text.replacingOccurrences(of: url, with: RedactedURL(url).description)
    }
}

/// An HTTP answer: status, headers, body, and the redacted `METHOD URL` for messages.
struct HTTPAnswer: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: Data
    var what: String

    var isSuccess: Bool { (200..<300).contains(status) }

    /// The failure for a non-2xx answer: retriable for 408, 429 and 5xx, with `Retry-After`
    /// (seconds or an HTTP date) on 429 and 503; final for other statuses.
    func failure(detail: String? = nil) -> DeliveryError {
        let retriable = status == 408 || status == 429 || status >= 500
        let retryAfter = (status == 429 || status == 503) ? headers.first(name: "Retry-After").flatMap(Self.retryAfter) : nil
        var message = "\(what): HTTP \(status)"
        if let detail, !detail.isEmpty { message += ": \(detail.prefix(300))" }
        return DeliveryError(message, isRetriable: retriable, retryAfter: retryAfter)
    }

    static func retryAfter(_ value: String) -> Duration? {
        let v = value.trimmingCharacters(in: .whitespaces)
        if let s = Int(v) { return .seconds(max(0, s)) }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = f.date(from: v) else { return nil }
        return .seconds(max(0, Int(date.timeIntervalSinceNow.rounded(.up))))
    }
}

/// An `http_config` (or secret) that cannot be turned into a working transport.
public struct TransportSetupError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ d: String) { description = d }
}
