import AsyncHTTPClient
import Crypto
import Foundation
import KlaxonCore
import NIOCore
import NIOHTTP1

/// POSTs Alertmanager-compatible JSON (see `NotificationJSON`) to a URL.
///
/// Headers: `Content-Type: application/json`, `Idempotency-Key` (stable per receiver, group
/// and state), and, when a secret is configured, `X-Klaxon-Signature: sha256=<hex HMAC of the
/// body>` plus `X-Klaxon-Timestamp`; the signature covers `timestamp + "." + body`.
/// 2xx is success; 408, 429 and 5xx are retried (honouring `Retry-After` in seconds); other
/// statuses are final.
public struct WebhookSink: AlertSink {
    public let url: String
    let hmacSecret: SymmetricKey?
    let maxAlerts: Int
    let timeout: Duration
    let client: HTTPClient
    let bearerToken: String?

    /// - Parameters:
    ///   - hmacSecret: signs bodies when set (read from env or a file by the caller, never logged).
    ///   - timeout: per request, default 10 s.
    public init(
        url: String, hmacSecret: String? = nil, bearerToken: String? = nil, maxAlerts: Int = 0,
        timeout: Duration = .seconds(10), client: HTTPClient = .shared
    ) {
        self.url = url
        self.hmacSecret = hmacSecret.map { SymmetricKey(data: Data($0.utf8)) }
        self.bearerToken = bearerToken
        self.maxAlerts = maxAlerts
        self.timeout = timeout
        self.client = client
    }

    public func deliver(_ notification: AlertNotification) async throws {
        let body: Data
        do { body = try NotificationJSON.webhook(notification, maxAlerts: maxAlerts) } catch {
            throw DeliveryError("cannot encode notification: \(error)", isRetriable: false)
        }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "klaxon")
        request.headers.add(name: "Idempotency-Key", value: notification.idempotencyKey)
        if let bearerToken { request.headers.add(name: "Authorization", value: "Bearer \(bearerToken)") }
        if let key = hmacSecret {
            let ts = String(Int(Date().timeIntervalSince1970))
            request.headers.add(name: "X-Klaxon-Timestamp", value: ts)
            request.headers.add(name: "X-Klaxon-Signature", value: "sha256=" + Self.signature(body: body, timestamp: ts, key: key))
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .milliseconds(timeout.components.seconds * 1000))
        } catch {
            throw DeliveryError("POST \(url): \(error)")
        }
        // Drain (bounded) so the connection can be reused.
        _ = try? await response.body.collect(upTo: 64 * 1024)
        let code = response.status.code
        if (200..<300).contains(code) { return }
        let retryAfter = response.headers.first(name: "Retry-After").flatMap(Int.init).map { Duration.seconds($0) }
        let retriable = code == 408 || code == 429 || code >= 500
        throw DeliveryError("POST \(url): HTTP \(code)", isRetriable: retriable, retryAfter: retryAfter)
    }

    /// Hex HMAC-SHA256 of `timestamp + "." + body`.
    static func signature(body: Data, timestamp: String, key: SymmetricKey) -> String {
        var mac = HMAC<SHA256>(key: key)
        mac.update(data: Data((timestamp + ".").utf8))
        mac.update(data: body)
        return mac.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
