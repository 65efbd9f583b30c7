import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KlaxonCore
import KlaxonService
import KlaxonStore
import KlaxonTesting
import Testing

/// The incident loop through the running service, real SQLite, the embedded broker and one
/// local HTTP server playing PagerDuty, Slack's Web API and a webhook receiver: an
/// unacknowledged critical escalates tier 1 (PagerDuty + Slack) then tier 2 (webhook) on
/// virtual time; an acknowledgement through the API stops the escalation and reaches every
/// integration that was notified — PagerDuty `acknowledge` under the trigger's `dedup_key`,
/// the Slack message edited in place, the webhook `status: acknowledged`, the file a record —
/// and the resolution then closes what the tiers opened (PagerDuty resolve, Slack edited again).
@Suite(.serialized, .stopsServers) struct AcknowledgementLoopTests {
    func routes(_ f: ServiceFixture, server: ChannelTestServer, secrets: URL) -> String {
        """
        route:
          receiver: log
          group_by: ['...']
          group_wait: 0s
          group_interval: 1s
          routes:
            - receiver: log
              matchers: ['cve="CVE-2024-6387"']
              escalation: oncall
        receivers:
          - name: log
            file_configs:
              - path: \(f.alertsFile.path)
          - name: tier1
            pagerduty_configs:
              - routing_key_file: \(secrets.appendingPathComponent("pd").path)
                url: \(server.base)/v2/enqueue
            slack_configs:
              - app_token_file: \(secrets.appendingPathComponent("slack").path)
                app_url: \(server.base)/api/chat.postMessage
                channel: '#sec-alerts'
                send_resolved: true
          - name: tier2
            webhook_configs:
              - url: \(server.base)/hook/tier2
        escalation_policies:
          - name: oncall
            tiers:
              - receivers: [tier1]
                delay: 5m
              - receivers: [tier2]
                delay: 10m
            repeat: 1
        """
    }

    @Test func anAckStopsTheEscalationAndReachesPagerDutySlackTheWebhookAndTheFile() async throws {
        let slack = FakeSlack()
        try await withServer({ r in
            if r.path.hasPrefix("/v2/") { return PagerDutyChannelTests.handler(r) }
            if r.path.hasPrefix("/api/") { return slack.handle(r) }
            return .init()
        }) { server in
            let f = try await ServiceFixture()
            try await f.run { try await loop($0, server, slack) }
        }
    }

    func loop(_ f: ServiceFixture, _ server: ChannelTestServer, _ slack: FakeSlack) async throws {
        let port = try freePort()
        try f.writeConfig(httpListen: "127.0.0.1:\(port)")
        try (try String(contentsOf: f.configFile, encoding: .utf8)
            + "\nlifecycle:\n  sla:\n    critical: {acknowledge: 30d}\n    high: {resolve: 30d}\n")
            .write(to: f.configFile, atomically: true, encoding: .utf8)
        let secrets = f.dir.appendingPathComponent("secrets")
        try FileManager.default.createDirectory(at: secrets, withIntermediateDirectories: true)
        try String(repeating: "b", count: 32).write(to: secrets.appendingPathComponent("pd"), atomically: true, encoding: .utf8)
        try "xoxb-test\n".write(to: secrets.appendingPathComponent("slack"), atomically: true, encoding: .utf8)
        try routes(f, server: server, secrets: secrets).write(to: f.routesFile, atomically: true, encoding: .utf8)
        let producer = try f.producer()
        let clock = VirtualNow(Date())
        func events() -> [[String: Any]] { server.received.filter { $0.path == "/v2/enqueue" }.map(\.json) }
        func hooks() -> [[String: Any]] { server.received.filter { $0.path == "/hook/tier2" }.map(\.json) }
        func slackCalls() -> [String] { server.received.filter { $0.path.hasPrefix("/api/") }.map(\.path) }

        try await EscalationTests().running(f, clock) { _ in
            try await producer.send(topic: ServiceFixture.scans, value: try AlertLifecycleTests().trivyReport())
            try await eventually("first notifications") { f.fileAlerts().count >= 4 }
            try await eventually("the escalation started") { try EscalationTests().escalations(f).map(\.step) == [0] }
            #expect(server.received.isEmpty, "nothing escalates before the first delay")

            try clock.advance(to: EscalationTests().firstStepDue(f).addingTimeInterval(30))
            try await eventually("tier 1: a PagerDuty trigger and a Slack post", timeout: .seconds(180)) {
                events().count == 1 && slackCalls() == ["/api/chat.postMessage"]
            }
            #expect(hooks().isEmpty, "tier 2 waits for its own delay")
            clock.advance(10 * 60 + 30)
            try await eventually("tier 2: the webhook fires", timeout: .seconds(180)) { hooks().count == 1 }
            #expect(hooks().first?["status"] as? String == "firing")

            let alerts = try f.store().states()
            let fp = try #require(alerts.first { $0.alert.labels["cve"] == "CVE-2024-6387" }?.alert.fingerprint)
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/api/v1/alerts/\(fp)/ack")!)
            request.httpMethod = "POST"
            request.setValue("Bearer tok", forHTTPHeaderField: "Authorization")
            request.setValue("ana", forHTTPHeaderField: "X-Klaxon-Actor")
            let (_, response) = try await URLSession.shared.data(for: request)
            #expect((response as? HTTPURLResponse)?.statusCode == 200)

            try await eventually("PagerDuty acknowledged, the Slack message edited, the webhook told") {
                events().count == 2 && slackCalls().count == 2 && hooks().count == 2
            }
            // PagerDuty: trigger, then acknowledge, one dedup_key, the acknowledge without payload.
            #expect(events().map { $0["event_action"] as? String } == ["trigger", "acknowledge"])
            let keys = Set(events().compactMap { $0["dedup_key"] as? String })
            #expect(keys.count == 1, "one incident: \(keys)")
            #expect(events()[1]["payload"] == nil)
            // Slack: post, then chat.update of that message, which now reads acknowledged by ana.
            #expect(slackCalls() == ["/api/chat.postMessage", "/api/chat.update"])
            let update = try #require(server.received.last { $0.path == "/api/chat.update" }?.json)
            let ts = try #require(update["ts"] as? String)
            #expect(slack.messages.withLock { $0.count } == 1, "one message, edited in place")
            let message = String(decoding: try #require(slack.messages.withLock { $0[ts] }), as: UTF8.self)
            #expect(message.contains("[ACKNOWLEDGED by ana]") && message.contains("*acknowledged by:* ana"), "\(message)")
            // Webhook: firing, then the same group acknowledged, Alertmanager's shape otherwise.
            let ack = hooks()[1]
            #expect(ack["status"] as? String == "acknowledged" && ack["acknowledgedBy"] as? String == "ana")
            #expect(ack["groupKey"] as? String == hooks()[0]["groupKey"] as? String)
            #expect(ack["version"] as? String == "4" && ack["acknowledgedAt"] is String)
            let ackAlerts = ack["alerts"] as? [[String: Any]] ?? []
            #expect(ackAlerts.map { $0["status"] as? String } == ["acknowledged"] && ackAlerts.first?["fingerprint"] as? String == fp.description)
            #expect(hooks()[0]["acknowledgedBy"] == nil, "the extension fields appear only on acknowledgements")
            // File: the route's receiver gets an acknowledgement record too.
            try await eventually("the file's acknowledgement record") {
                f.fileLines().contains { ($0["alert"] as? [String: Any])?["status"] as? String == "acknowledged" && $0["acknowledgedBy"] as? String == "ana" }
            }

            // The escalation stops: an hour on, the repeat would have reached tier 1 again.
            clock.advance(3600)
            try await eventually("the escalation ended") { try EscalationTests().escalations(f).isEmpty }
            #expect(events().count == 2 && hooks().count == 2 && slackCalls().count == 2, "nothing after the ack")
            // Acknowledging again is refused and queues nothing more.
            let (again, _) = try await HTTP.call("POST", "http://127.0.0.1:\(port)/api/v1/alerts/\(fp)/ack", token: "tok")
            #expect(again == 409)
            let acks = try Outbox(database: StateDatabase(path: f.statePath)).list().filter { $0.notification.status == .acknowledged }
            #expect(acks.map(\.lane).sorted() == ["log/file[0]", "tier1/pagerduty[0]", "tier1/slack[0]", "tier2/webhook[0]"],
                    "one acknowledgement per notified integration")
            // The history shows each acknowledgement queued, beside the escalations.
            let (_, body) = try await HTTP.call("GET", "http://127.0.0.1:\(port)/api/v1/alerts/\(fp)/history")
            let history = try JSONSerialization.jsonObject(with: body) as? [[String: Any]] ?? []
            let reasons = history.filter { $0["kind"] as? String == "notified" }.compactMap { $0["reason"] as? String }
            #expect(reasons.filter { $0.hasPrefix("acknowledged → ") }.count == 4, "\(reasons)")

            // Resolution closes what the tiers opened: PagerDuty resolve (same dedup_key), the
            // Slack message edited again, the webhook resolved.
            let (resolved, _) = try await HTTP.call("POST", "http://127.0.0.1:\(port)/api/v1/alerts/\(fp)/resolve", token: "tok")
            #expect(resolved == 200)
            try await eventually("the tiers' incidents resolved") { events().count == 3 && slackCalls().count == 3 && hooks().count == 3 }
            #expect(events().map { $0["event_action"] as? String } == ["trigger", "acknowledge", "resolve"])
            #expect(Set(events().compactMap { $0["dedup_key"] as? String }).count == 1)
            #expect(slackCalls() == ["/api/chat.postMessage", "/api/chat.update", "/api/chat.update"])
            let final = String(decoding: try #require(slack.messages.withLock { $0[ts] }), as: UTF8.self)
            #expect(final.contains("[RESOLVED]") && slack.messages.withLock { $0.count } == 1, "\(final)")
            #expect(hooks().map { $0["status"] as? String } == ["firing", "acknowledged", "resolved"])
        }
    }
}
