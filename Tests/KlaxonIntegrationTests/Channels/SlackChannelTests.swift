import Foundation
import KlaxonCore
import KlaxonDelivery
import KlaxonStore
import KlaxonTesting
import Synchronization
import Testing

/// A tiny Slack: checks the bot token, keeps messages by ts, answers postMessage/update.
final class FakeSlack: Sendable {
    let messages = Mutex<[String: Data]>([:])
    let counter = Mutex(0)
    func handle(_ r: ChannelTestServer.Request) -> ChannelTestServer.Answer {
        guard r.headers["authorization"] == "Bearer xoxb-test" else { return .json(["ok": false, "error": "invalid_auth"]) }
        let body = r.json
        if r.path.hasSuffix("/chat.postMessage") {
            guard body["channel"] as? String == "#sec-alerts" else { return .json(["ok": false, "error": "channel_not_found"]) }
            let ts = counter.withLock { n -> String in
                n += 1
                return "1700000000.00010\(n)"
            }
            messages.withLock { $0[ts] = r.body }
            return .json(["ok": true, "channel": "C0SEC", "ts": ts])
        }
        if r.path.hasSuffix("/chat.update") {
            guard body["channel"] as? String == "C0SEC", let ts = body["ts"] as? String,
                  messages.withLock({ $0[ts] != nil }) else { return .json(["ok": false, "error": "message_not_found"]) }
            messages.withLock { $0[ts] = r.body }
            return .json(["ok": true, "channel": "C0SEC", "ts": ts])
        }
        return .json(["ok": false, "error": "unknown_method"], status: 404)
    }
}

/// The Slack sink against a local server speaking the Web API's shape (`ok`, `ts`, `channel`)
/// and an incoming webhook's (`ok` body).
@Suite struct SlackChannelTests {
    @Test func aBotPostsThenUpdatesTheSameMessageOnResolveEvenAfterARestart() async throws {
        let slack = FakeSlack()
        let dir = try ChannelFixtures.tempDir("slack")
        let dbPath = dir.appendingPathComponent("state.db").path
        try await withServer(slack.handle) { server in
            let config = SlackConfig(appURL: server.base + "/api/chat.postMessage", channel: "#sec-alerts", title: "{{title}}", sendResolved: true)
            let firing = ChannelFixtures.notification([ChannelFixtures.alert("CVE-1", severity: .critical)])
            try await SlackSink(config: config, botToken: "xoxb-test", threads: SlackThreadStore(database: try StateDatabase(path: dbPath))).deliver(firing)

            // A new process: the ts comes back from the SQLite file, not from memory.
            let threads = SlackThreadStore(database: try StateDatabase(path: dbPath))
            #expect(try threads.message(receiver: "team", groupKey: firing.groupKey, channel: "#sec-alerts") == .init(channelID: "C0SEC", ts: "1700000000.000101"))
            var resolved = firing
            resolved.status = .resolved
            resolved.alerts = resolved.alerts.map { var a = $0; a.status = .resolved; return a }
            try await SlackSink(config: config, botToken: "xoxb-test", threads: threads).deliver(resolved)

            #expect(server.received.map(\.path) == ["/api/chat.postMessage", "/api/chat.update"])
            let update = server.received[1].json
            #expect(update["ts"] as? String == "1700000000.000101" && update["channel"] as? String == "C0SEC")
            #expect((update["text"] as? String)?.hasPrefix("[RESOLVED]") == true)
            #expect(slack.messages.withLock { $0.count } == 1, "one message, edited in place")
            let attachment = try #require((update["attachments"] as? [[String: Any]])?.first)
            #expect(attachment["color"] as? String == "good")
            let blocks = try #require(attachment["blocks"] as? [[String: Any]])
            #expect(blocks.map { $0["type"] as? String } == ["header", "section", "context"])
            let context = ((blocks[2]["elements"] as? [[String: Any]]) ?? []).compactMap { $0["text"] as? String }.joined(separator: " ")
            #expect(context.contains("critical") && context.contains("trivy") && context.contains("`environment=prod`"))
        }
    }

    @Test func aBadTokenIsFinalAndAMissingMessageIsPostedAnew() async throws {
        let slack = FakeSlack()
        let dir = try ChannelFixtures.tempDir("slack")
        let threads = SlackThreadStore(database: try StateDatabase(path: dir.appendingPathComponent("state.db").path))
        try await withServer(slack.handle) { server in
            let config = SlackConfig(appURL: server.base + "/api/chat.postMessage", channel: "#sec-alerts")
            let n = ChannelFixtures.notification([ChannelFixtures.alert("CVE-1")], status: .resolved)
            do {
                try await SlackSink(config: config, botToken: "xoxb-wrong", threads: threads).deliver(n)
                Issue.record("a bad token was accepted")
            } catch let e as DeliveryError {
                #expect(!e.isRetriable && e.message.contains("invalid_auth"))
            }
            try threads.save(.init(channelID: "C0SEC", ts: "1.000"), receiver: "team", groupKey: n.groupKey, channel: "#sec-alerts", at: Date())
            try await SlackSink(config: config, botToken: "xoxb-test", threads: threads).deliver(n)
            #expect(server.received.map(\.path).suffix(2) == ["/api/chat.update", "/api/chat.postMessage"])
        }
    }

    @Test func anIncomingWebhookGetsBlocksAndItsURLIsNeverShown() async throws {
        try await withServer({ r in r.path.hasSuffix("/dead") ? .init(status: 404, body: Data("no_service".utf8)) : .init(body: Data("ok".utf8)) }) { server in
            let config = SlackConfig(channel: "#alerts", color: "#123456", iconEmoji: ":rotating_light:")
            try await SlackSink(config: config, webhookURL: server.base + "/services/T0/B0/secretpart").deliver(ChannelFixtures.notification([ChannelFixtures.alert("CVE-1")]))
            let body = try #require(server.received.first?.json)
            #expect(body["channel"] as? String == "#alerts" && body["icon_emoji"] as? String == ":rotating_light:")
            #expect(((body["attachments"] as? [[String: Any]])?.first)?["color"] as? String == "#123456")
            do {
                try await SlackSink(config: config, webhookURL: server.base + "/services/T0/B0/secretpart/dead").deliver(ChannelFixtures.notification([ChannelFixtures.alert("CVE-1")]))
                Issue.record("a 404 was taken for success")
            } catch let e as DeliveryError {
                #expect(!e.isRetriable)
                #expect(!e.message.contains("secretpart"), "\(e.message)")
            }
        }
    }
}
