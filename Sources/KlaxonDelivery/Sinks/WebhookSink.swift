import AsyncHTTPClient
import Crypto
import Foundation
import KlaxonCore
import NIOCore

/// POSTs Alertmanager-compatible JSON (see `NotificationJSON`) to a URL, or a body rendered
/// from a Mustache template.
///
/// Headers: `Content-Type`, `Idempotency-Key` (stable per receiver, group and state), the
/// `http_config` `Authorization`, and, when configured, `X-Klaxon-Signature: sha256=<hex HMAC
/// of timestamp + "." + body>` with `X-Klaxon-Timestamp`, and the Standard Webhooks headers
/// (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`).
/// 2xx is success; 408, 429 and 5xx are retried (honouring `Retry-After`); other statuses are
/// final. Errors name the URL redacted (`RedactedURL`), never with its secrets.
public struct WebhookSink: AlertSink {
    public let url: String
    /// How the URL may be printed: redacted, and without its path when it came from a file.
    let shownURL: RedactedURL
    let hmacSecret: SymmetricKey?
    let standardWebhooks: StandardWebhookSigner?
    let template: NotificationTemplate?
    let contentType: String
    let maxAlerts: Int
    let timeout: Duration
    let transport: HTTPTransport

    /// - Parameters:
    ///   - hmacSecret: signs bodies with `X-Klaxon-Signature` when set (read by the caller, never logged).
    ///   - standardWebhooks: adds Standard Webhooks signing.
    ///   - bodyTemplate: the body (built with `.json` output); default Alertmanager's JSON.
    ///   - urlIsSecret: hides the URL's path in messages (it came from `url_file`).
    ///   - timeout: per request, default 10 s.
    public init(
        url: String, hmacSecret: String? = nil, bearerToken: String? = nil, maxAlerts: Int = 0,
        standardWebhooks: StandardWebhookSigner? = nil, bodyTemplate: NotificationTemplate? = nil,
        contentType: String = "application/json", urlIsSecret: Bool = false, timeout: Duration = .seconds(10),
        transport: HTTPTransport = .plain
    ) {
        self.url = url
        self.shownURL = RedactedURL(url, hidePath: urlIsSecret)
        self.hmacSecret = hmacSecret.map { SymmetricKey(data: Data($0.utf8)) }
        self.standardWebhooks = standardWebhooks
        self.template = bodyTemplate
        self.contentType = contentType
        self.maxAlerts = maxAlerts
        self.timeout = timeout
        self.transport = bearerToken.map { HTTPTransport(client: transport.client, tls: transport.tls, authorization: "Bearer \($0)", serverName: transport.serverName) } ?? transport
    }

    public func deliver(_ notification: AlertNotification) async throws {
        let body: Data
        if let template {
            let (sent, truncated) = NotificationJSON.truncate(notification, maxAlerts: maxAlerts)
            body = Data(template.render(sent, truncatedAlerts: truncated).utf8)
        } else {
            body = NotificationJSON.webhook(notification, maxAlerts: maxAlerts)
        }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: contentType)
        request.headers.add(name: "User-Agent", value: "klaxon")
        request.headers.add(name: "Idempotency-Key", value: notification.idempotencyKey)
        let now = Date()
        if let key = hmacSecret {
            let ts = String(Int(now.timeIntervalSince1970))
            request.headers.add(name: "X-Klaxon-Timestamp", value: ts)
            request.headers.add(name: "X-Klaxon-Signature", value: "sha256=" + Self.signature(body: body, timestamp: ts, key: key))
        }
        if let standardWebhooks {
            for (name, value) in standardWebhooks.headers(id: notification.idempotencyKey, at: now, body: body) {
                request.headers.add(name: name, value: value)
            }
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        let answer: HTTPAnswer
        do { answer = try await transport.send(request, timeout: timeout, maxBody: 64 * 1024) } catch let e as DeliveryError {
            throw DeliveryError(e.message.replacingOccurrences(of: RedactedURL(url).description, with: shownURL.description),
                                isRetriable: e.isRetriable, retryAfter: e.retryAfter)
        }
        guard answer.isSuccess else {
            var failure = answer.failure()
            failure.message = "POST \(shownURL): HTTP \(answer.status)"
            throw failure
        }
    }

    /// Hex HMAC-SHA256 of `timestamp + "." + body`.
    static func signature(body: Data, timestamp: String, key: SymmetricKey) -> String {
        var mac = HMAC<SHA256>(key: key)
        mac.update(data: Data((timestamp + ".").utf8))
        mac.update(data: body)
        return mac.finalize().hexString
    }
}
