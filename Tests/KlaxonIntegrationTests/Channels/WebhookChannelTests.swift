import Crypto
import Foundation
import KlaxonCore
import KlaxonDelivery
import KlaxonService
import KlaxonStore
import KlaxonTesting
import Logging
import Testing

/// The webhook sink's `http_config`, signing, template and truncation against a real local server.
@Suite struct WebhookChannelTests {
    func transport(_ c: HTTPClientConfig, _ url: String) throws -> HTTPTransport { try HTTPTransport(config: c, url: url) }

    @Test func basicAuthFromAPasswordFileReachesTheReceiver() async throws {
        let dir = try ChannelFixtures.tempDir("webhook")
        let passwordFile = dir.appendingPathComponent("password").path
        try "s3cr3t pass\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
        try await withServer { server in
            let url = server.base + "/hook"
            let config = HTTPClientConfig(basicAuthUsername: "klaxon", basicAuthPasswordFile: passwordFile)
            try await WebhookSink(url: url, transport: try transport(config, url)).deliver(ChannelFixtures.notification([ChannelFixtures.alert("CVE-1")]))
            let header = try #require(server.received.first?.headers["authorization"])
            #expect(header == "Basic " + Data("klaxon:s3cr3t pass".utf8).base64EncodedString())
        }
    }

    @Test func authorizationTypeAndCredentialsFileAreSent() async throws {
        let dir = try ChannelFixtures.tempDir("webhook")
        let tokenFile = dir.appendingPathComponent("token").path
        try "tok-123".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        try await withServer { server in
            let url = server.base + "/hook"
            let config = HTTPClientConfig(authorizationType: "Token", credentialsFile: tokenFile)
            try await WebhookSink(url: url, transport: try transport(config, url)).deliver(ChannelFixtures.notification([ChannelFixtures.alert("CVE-1")]))
            #expect(server.received.first?.headers["authorization"] == "Token tok-123")
        }
    }

    @Test func redirectsAreFollowedOnlyWhenAllowed() async throws {
        try await withServer({ r in
            r.path == "/old" ? .init(status: 307, headers: ["Location": "/new"]) : .init()
        }) { server in
            let url = server.base + "/old"
            let n = ChannelFixtures.notification([ChannelFixtures.alert("CVE-1")])
            // Long request timeouts: under the full suite's load the default 10 s expired.
            try await WebhookSink(url: url, timeout: .seconds(60), transport: try transport(HTTPClientConfig(), url)).deliver(n)
            #expect(server.received.map(\.path) == ["/old", "/new"])
            let strict = WebhookSink(url: url, timeout: .seconds(60), transport: try transport(HTTPClientConfig(followRedirects: false), url))
            await #expect(throws: DeliveryError.self) { try await strict.deliver(n) }
            #expect(server.received.map(\.path) == ["/old", "/new", "/old"], "with follow_redirects: false the 307 is an answer, not followed")
        }
    }

    @Test func standardWebhooksSignatureVerifiesAndHMACStaysBesideIt() async throws {
        let keyBytes = Data((0..<32).map { UInt8($0) })
        let secret = "whsec_" + keyBytes.base64EncodedString()
        try await withServer { server in
            let sink = WebhookSink(url: server.base + "/hook", hmacSecret: "legacy", standardWebhooks: try StandardWebhookSigner(secret: secret))
            let n = ChannelFixtures.notification([ChannelFixtures.alert("CVE-1")])
            try await sink.deliver(n)
            let r = try #require(server.received.first)
            let id = try #require(r.headers["webhook-id"])
            let ts = try #require(r.headers["webhook-timestamp"])
            #expect(id == n.idempotencyKey)
            #expect(abs((Double(ts) ?? 0) - Date().timeIntervalSince1970) < 300)
            var mac = HMAC<SHA256>(key: SymmetricKey(data: keyBytes))
            mac.update(data: Data("\(id).\(ts).".utf8))
            mac.update(data: r.body)
            #expect(r.headers["webhook-signature"] == "v1," + Data(mac.finalize()).base64EncodedString())
            #expect(r.headers["x-klaxon-signature"]?.hasPrefix("sha256=") == true)
        }
        #expect(throws: (any Error).self) { try StandardWebhookSigner(secret: "whsec_not base64!") }
    }

    @Test func maxAlertsTruncatesAsAlertmanagerDoesAndTheTemplateRendersJSON() async throws {
        try await withServer { server in
            let alerts = [ChannelFixtures.alert("CVE-1", labels: ["team": "a"]), ChannelFixtures.alert("CVE-2", labels: ["team": "b"]),
                          ChannelFixtures.alert("CVE-3")]
            let n = ChannelFixtures.notification(alerts)
            try await WebhookSink(url: server.base + "/plain", maxAlerts: 1).deliver(n)
            let plain = try #require(server.received.first?.json)
            #expect(plain["truncatedAlerts"] as? Int == 2)
            #expect((plain["alerts"] as? [Any])?.count == 1)
            #expect((plain["commonLabels"] as? [String: String])?["team"] == "a", "common labels are those of the alerts sent")

            let template = try NotificationTemplate(#"{"text": "{{title}}", "n": {{firing}}, "cut": {{truncatedAlerts}}, "first": "{{#alerts}}{{annotations.summary}}{{/alerts}}"}"#, output: .json)
            var quoted = alerts[0]
            quoted.annotations["summary"] = #"say "hi"\ now"#
            try await WebhookSink(url: server.base + "/tpl", maxAlerts: 1, bodyTemplate: template).deliver(ChannelFixtures.notification([quoted] + alerts.dropFirst()))
            let body = try #require(server.received.last?.json)
            #expect(body["n"] as? Int == 1)
            #expect(body["cut"] as? Int == 2)
            #expect(body["first"] as? String == #"say "hi"\ now"#, "values are JSON-escaped, so the body stays valid JSON")
        }
    }

    @Test func aPasswordInTheURLNeverReachesErrorsLastErrorOrLogs() async throws {
        try await withServer({ _ in .init(status: 503) }) { server in
            let url = "http://alice:hunter2@127.0.0.1:\(server.port)/hook?token=t0psecret"
            let dir = try ChannelFixtures.tempDir("redact")
            let db = try StateDatabase(path: dir.appendingPathComponent("state.db").path)
            let store = try AlertStore(database: db)
            let n = ChannelFixtures.notification([ChannelFixtures.alert("CVE-1")], receiver: "r")
            _ = try store.recordFlush([QueuedNotification(notification: n, integration: "webhook[0]", key: "\(n.idempotencyKey)/webhook[0]")], log: [:], at: Date())
            let outbox = Outbox(database: db)
            let lines = LogLines()
            let logger = Logger(label: "test") { _ in CapturingLogHandler(sink: lines) }
            let dispatcher = OutboxDispatcher(
                outbox: outbox, sinks: ["r/webhook[0]": WebhookSink(url: url)], settings: DeliverySettings(timeout: OutboxDeliveryTests.watchdog),
                logger: logger)
            await dispatcher.drainDue(now: Date())

            #expect(server.received.count == 1, "the request was made (with its credentials) and failed with 503")
            let lastError = try #require(try outbox.entries().first?.lastError)
            #expect(lastError.contains("alice:***@127.0.0.1") && lastError.contains("token=***"), "\(lastError)")
            for secret in ["hunter2", "t0psecret"] {
                #expect(!lastError.contains(secret))
                #expect(!lines.all.contains(secret), "log lines: \(lines.all)")
            }
            #expect(lines.count > 0, "the failure was logged")
            do {
                try await WebhookSink(url: "http://alice:hunter2@127.0.0.1:1/hook?token=t0psecret", timeout: .seconds(2)).deliver(n)
            } catch let e as DeliveryError {
                #expect(e.isRetriable)
                #expect(!e.message.contains("hunter2") && !e.message.contains("t0psecret"), "\(e.message)")
            }
        }
    }
}
