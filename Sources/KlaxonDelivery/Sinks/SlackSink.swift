import AsyncHTTPClient
import Foundation
import KlaxonCore
import KlaxonStore
import NIOCore

/// Posts to Slack, by incoming webhook (`api_url`) or with a bot token (`chat.postMessage`).
/// With a bot token the posted message's `ts` is kept (`SlackThreadStore`), and an
/// acknowledgement or a resolve edits that message (`chat.update`) instead of posting a new
/// one; if Slack no longer has it (or it was never remembered), a new message is posted. An
/// incoming webhook cannot edit, so it posts acknowledgements and resolves as new messages. Slack's `ok: false` answers are classified: `ratelimited` and
/// server-side errors retry, the rest (bad token, unknown channel) are final.
public struct SlackSink: AlertSink {
    enum Mode: Sendable {
        case webhook(url: String)
        case bot(token: String, postURL: String, updateURL: String, threads: SlackThreadStore)
    }

    let config: SlackConfig
    let mode: Mode
    let timeout: Duration
    let transport: HTTPTransport

    /// Slack's `chat.postMessage` endpoint.
    public static let defaultAppURL = "https://slack.com/api/chat.postMessage"

    /// An incoming-webhook sink; the URL (a secret) is never printed, only its host.
    public init(config: SlackConfig, webhookURL: String, transport: HTTPTransport = .plain, timeout: Duration = .seconds(10)) {
        self.config = config
        self.mode = .webhook(url: webhookURL)
        self.transport = transport
        self.timeout = timeout
    }

    /// A bot-token sink posting to `config.appURL` (default Slack's) and updating through the
    /// sibling `chat.update`. - Throws: `TransportSetupError` when `app_url` is not a `chat.postMessage` URL.
    public init(config: SlackConfig, botToken: String, threads: SlackThreadStore, transport: HTTPTransport = .plain,
                timeout: Duration = .seconds(10)) throws {
        let post = config.appURL ?? Self.defaultAppURL
        guard post.hasSuffix("/chat.postMessage") else {
            throw TransportSetupError("slack app_url must end in /chat.postMessage (got \(RedactedURL(post)))")
        }
        self.config = config
        self.mode = .bot(token: botToken, postURL: post, updateURL: String(post.dropLast("chat.postMessage".count)) + "chat.update", threads: threads)
        self.transport = transport
        self.timeout = timeout
    }

    public func deliver(_ n: AlertNotification) async throws {
        switch mode {
        case .webhook(let url):
            let answer = try await post(url, SlackMessage.body(n, config: config, channel: config.channel), token: nil, shown: RedactedURL(url, hidePath: true))
            guard answer.isSuccess else { throw answer.failure(detail: String(decoding: answer.body.prefix(200), as: UTF8.self)) }
        case .bot(let token, let postURL, let updateURL, let threads):
            let channel = config.channel ?? ""
            // An unreadable store only means the resolve is posted as a new message.
            let known = try? threads.message(receiver: n.receiver, groupKey: n.groupKey, channel: channel)
            if n.status != .firing, let known {
                let body = SlackMessage.body(n, config: config, channel: known.channelID, ts: known.ts)
                let result = try await call(updateURL, body, token: token)
                if result.ok { return }
                guard result.error == "message_not_found" || result.error == "cant_update_message" else { throw result.failure }
            }
            let result = try await call(postURL, SlackMessage.body(n, config: config, channel: channel), token: token)
            guard result.ok, let ts = result.ts else { throw result.failure }
            do {
                try threads.save(.init(channelID: result.channel ?? channel, ts: ts), receiver: n.receiver, groupKey: n.groupKey, channel: channel, at: Date())
            } catch {
                // Posted but not remembered: the resolve will post anew instead of editing. Not worth a re-post.
            }
        }
    }

    /// A Web API answer: `ok`, `error`, `ts`, `channel`, and the failure it means.
    struct APIResult {
        var ok: Bool
        var error: String?
        var ts: String?
        var channel: String?
        var failure: DeliveryError
    }

    private func call(_ url: String, _ body: [String: Any], token: String) async throws -> APIResult {
        let answer = try await post(url, body, token: token, shown: RedactedURL(url))
        guard answer.isSuccess else { throw answer.failure() }
        let json = (try? JSONSerialization.jsonObject(with: answer.body)) as? [String: Any] ?? [:]
        let ok = json["ok"] as? Bool ?? false
        let error = json["error"] as? String
        let retriable = ["ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"].contains(error ?? "")
        return APIResult(ok: ok, error: error, ts: json["ts"] as? String, channel: json["channel"] as? String,
                         failure: DeliveryError("\(answer.what): Slack error \(error ?? "missing ok")", isRetriable: retriable))
    }

    private func post(_ url: String, _ body: [String: Any], token: String?, shown: RedactedURL) async throws -> HTTPAnswer {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        request.headers.add(name: "User-Agent", value: "klaxon")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])))
        do {
            var answer = try await transport.send(request, timeout: timeout, maxBody: 256 * 1024)
            answer.what = "POST \(shown)"
            return answer
        } catch let e as DeliveryError {
            // The transport names the URL redacted; a webhook URL's path is itself the secret.
            throw DeliveryError(e.message.replacingOccurrences(of: RedactedURL(url).description, with: shown.description),
                                isRetriable: e.isRetriable, retryAfter: e.retryAfter)
        }
    }
}
