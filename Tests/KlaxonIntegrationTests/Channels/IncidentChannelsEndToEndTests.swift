import Foundation
import KlaxonKafka
import KlaxonTesting
import Testing

/// PagerDuty and Slack through the real service: a Trivy report on Kafka triggers an incident
/// and posts a Slack message per CVE; a re-scan without one CVE resolves that incident (same
/// `dedup_key`) and edits that message (`chat.update` with the `ts` kept in the state file).
@Suite(.stopsServers) struct IncidentChannelsEndToEndTests {
    @Test func aRescanResolvesTheIncidentAndEditsTheSlackMessage() async throws {
        let slack = FakeSlack()
        try await withServer({ r in
            r.path.hasPrefix("/v2/") ? PagerDutyChannelTests.handler(r) : slack.handle(r)
        }) { server in
            let f = try await ServiceFixture()
            try f.writeConfig()
            let secrets = f.dir.appendingPathComponent("secrets")
            try FileManager.default.createDirectory(at: secrets, withIntermediateDirectories: true)
            try String(repeating: "b", count: 32).write(to: secrets.appendingPathComponent("pd"), atomically: true, encoding: .utf8)
            try "xoxb-test\n".write(to: secrets.appendingPathComponent("slack"), atomically: true, encoding: .utf8)
            try """
                route:
                  receiver: incident
                  group_by: [cve]
                  group_wait: 0s
                  group_interval: 1s
                receivers:
                  - name: incident
                    pagerduty_configs:
                      - routing_key_file: \(secrets.appendingPathComponent("pd").path)
                        url: \(server.base)/v2/enqueue
                    slack_configs:
                      - app_token_file: \(secrets.appendingPathComponent("slack").path)
                        app_url: \(server.base)/api/chat.postMessage
                        channel: '#sec-alerts'
                        send_resolved: true
                """.write(to: f.routesFile, atomically: true, encoding: .utf8)
            let producer = try f.producer()
            let service = try f.startService()
            let report = try AlertLifecycleTests().trivyReport()
            try await producer.send(topic: ServiceFixture.scans, value: report)
            try await eventually("4 triggers and 4 Slack posts") {
                server.received.filter { $0.path == "/v2/enqueue" }.count >= 4
                    && server.received.filter { $0.path == "/api/chat.postMessage" }.count >= 4
            }
            try await producer.send(topic: ServiceFixture.scans, value: try AlertLifecycleTests().trivyReport(without: ["CVE-2024-6387"]))
            try await eventually("the resolve and the message edit") {
                server.received.contains { $0.json["event_action"] as? String == "resolve" }
                    && server.received.contains { $0.path == "/api/chat.update" }
            }
            #expect(try await service.stop() == 0, "stderr: \(service.stderr.suffix(2000))")

            let events = server.received.filter { $0.path == "/v2/enqueue" }.map(\.json)
            let triggers = events.filter { $0["event_action"] as? String == "trigger" }
            let resolves = events.filter { $0["event_action"] as? String == "resolve" }
            #expect(triggers.count == 4 && resolves.count == 1)
            let resolvedKey = try #require(resolves.first?["dedup_key"] as? String)
            let trigger = try #require(triggers.first { $0["dedup_key"] as? String == resolvedKey }, "the resolve names a triggered incident")
            #expect(((trigger["payload"] as? [String: Any])?["summary"] as? String)?.contains("CVE-2024-6387") == true)

            let posts = server.received.filter { $0.path == "/api/chat.postMessage" }.count
            let updates = server.received.filter { $0.path == "/api/chat.update" }.map(\.json)
            #expect(posts == 4 && updates.count == 1, "a resolve edits, it does not post")
            let ts = try #require(updates.first?["ts"] as? String)
            let original = try #require(slack.messages.withLock { $0[ts] })
            #expect(String(decoding: original, as: UTF8.self).contains("RESOLVED"), "the message for that ts now reads resolved")
            #expect(String(decoding: original, as: UTF8.self).contains("CVE-2024-6387"))
        }
    }
}
