import Foundation
import KlaxonCore
import KlaxonDelivery
import KlaxonStore
import KlaxonTesting
import Testing

/// How each channel expresses an acknowledgement (`status: acknowledged`), against local
/// servers: PagerDuty `acknowledge` under the trigger's `dedup_key`; a Slack bot edits its
/// message, an incoming webhook posts a new one; a webhook gets Alertmanager's body with
/// `status: acknowledged` and `acknowledgedBy`/`acknowledgedAt`; Security Hub skips it.
@Suite struct AcknowledgementChannelTests {
    /// The follow-up a receiver that got `firing` is sent when `alert` is acknowledged by ana.
    func acknowledged(_ firing: AlertNotification) -> AlertNotification {
        var alert = firing.alerts[0]
        alert.status = .acknowledged
        return FollowUpNotice.make(
            last: firing, alert: alert, instanceStart: alert.startsAt, by: "ana", at: Date(timeIntervalSince1970: 1_700_000_300))
    }

    @Test func pagerDutyAcknowledgesTheTriggeredIncident() async throws {
        try await withServer(PagerDutyChannelTests.handler) { server in
            let sink = PagerDutySink(config: PagerDutyConfig(url: server.base + "/v2/enqueue"), routingKey: String(repeating: "a", count: 32))
            let firing = ChannelFixtures.notification([ChannelFixtures.alert("CVE-1", severity: .critical), ChannelFixtures.alert("CVE-2")])
            try await sink.deliver(firing)
            try await sink.deliver(acknowledged(firing))
            let events = server.received.map(\.json)
            #expect(events.map { $0["event_action"] as? String } == ["trigger", "acknowledge"])
            #expect(events[0]["dedup_key"] as? String == events[1]["dedup_key"] as? String)
            #expect(events[1]["payload"] == nil, "acknowledge carries no payload (the handler checked the schema)")
        }
    }

    @Test func aSlackBotEditsItsMessageToShowWhoAcknowledged() async throws {
        let slack = FakeSlack()
        let dir = try ChannelFixtures.tempDir("slack-ack")
        let threads = SlackThreadStore(database: try StateDatabase(path: dir.appendingPathComponent("state.db").path))
        try await withServer(slack.handle) { server in
            let config = SlackConfig(appURL: server.base + "/api/chat.postMessage", channel: "#sec-alerts", sendResolved: true)
            let sink = try SlackSink(config: config, botToken: "xoxb-test", threads: threads)
            let firing = ChannelFixtures.notification([ChannelFixtures.alert("CVE-1", severity: .critical)])
            try await sink.deliver(firing)
            try await sink.deliver(acknowledged(firing))
            #expect(server.received.map(\.path) == ["/api/chat.postMessage", "/api/chat.update"])
            let update = server.received[1].json
            #expect(update["ts"] as? String == "1700000000.000101" && update["channel"] as? String == "C0SEC")
            #expect((update["text"] as? String)?.hasPrefix("[ACKNOWLEDGED by ana]") == true, "\(update["text"] ?? "")")
            let attachment = try #require((update["attachments"] as? [[String: Any]])?.first)
            #expect(attachment["color"] as? String == "#439FE0")
            let blocks = attachment["blocks"] as? [[String: Any]] ?? []
            let context = ((blocks.last?["elements"] as? [[String: Any]]) ?? []).compactMap { $0["text"] as? String }.joined(separator: " ")
            #expect(context.contains("*acknowledged by:* ana at 2023-11-14T22:"), "\(context)")
            let section = ((blocks[1]["text"] as? [String: Any])?["text"] as? String) ?? ""
            #expect(section.hasPrefix("- [acknowledged] CVE-1"), "\(section)")
        }
    }

    @Test func aSlackIncomingWebhookCannotEditSoItPostsTheAcknowledgement() async throws {
        try await withServer({ _ in .init(body: Data("ok".utf8)) }) { server in
            let sink = SlackSink(config: SlackConfig(), webhookURL: server.base + "/services/T/B/X")
            let firing = ChannelFixtures.notification([ChannelFixtures.alert("CVE-1")])
            try await sink.deliver(firing)
            try await sink.deliver(acknowledged(firing))
            let texts = server.received.map { $0.json["text"] as? String ?? "" }
            #expect(texts.count == 2 && texts[0].hasPrefix("[FIRING:1]") && texts[1].hasPrefix("[ACKNOWLEDGED by ana]"), "\(texts)")
        }
    }

    @Test func aWebhookGetsTheAlertmanagerBodyWithStatusAcknowledged() async throws {
        try await withServer { server in
            let sink = WebhookSink(url: server.base + "/hook")
            let firing = ChannelFixtures.notification([ChannelFixtures.alert("CVE-1"), ChannelFixtures.alert("CVE-2")])
            try await sink.deliver(firing)
            try await sink.deliver(acknowledged(firing))
            let (first, ack) = (server.received[0].json, server.received[1].json)
            #expect(first["status"] as? String == "firing" && first["acknowledgedBy"] == nil && first["acknowledgedAt"] == nil)
            #expect(ack["status"] as? String == "acknowledged" && ack["acknowledgedBy"] as? String == "ana")
            #expect(ack["acknowledgedAt"] as? String == "2023-11-14T22:18:20.000Z")
            #expect(ack["groupKey"] as? String == first["groupKey"] as? String && ack["version"] as? String == "4")
            #expect((ack["idempotencyKey"] as? String)?.hasPrefix("team/ack-") == true)
            let statuses = (ack["alerts"] as? [[String: Any]] ?? []).map { $0["status"] as? String }
            #expect(statuses == ["acknowledged", "firing"], "the acknowledged alert is marked; the group's others keep their status")
        }
    }

    @Test func securityHubSkipsAcknowledgementsWithoutACall() async throws {
        try await withServer { server in
            let sink = try SecurityHubSink(
                config: SecurityHubConfig(accountID: "123456789012", apiURL: server.base),
                environment: ["AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_REGION": "us-east-1"])
            try await sink.deliver(acknowledged(ChannelFixtures.notification([ChannelFixtures.alert("CVE-1")])))
            #expect(server.received.isEmpty, "Workflow.Status cannot be set through BatchImportFindings")
        }
    }

    @Test func followUpKeysAreFixedPerInstanceStatusAndGroup() {
        let firing = ChannelFixtures.notification([ChannelFixtures.alert("CVE-1")])
        let a = acknowledged(firing)
        #expect(a.idempotencyKey == acknowledged(firing).idempotencyKey, "the same acknowledgement twice has one key")
        var resolvedAlert = firing.alerts[0]
        resolvedAlert.status = .resolved
        let r = FollowUpNotice.make(last: firing, alert: resolvedAlert, instanceStart: resolvedAlert.startsAt, by: "", at: Date())
        #expect(r.status == .resolved && r.acknowledgedBy == nil && r.idempotencyKey.hasPrefix("team/resolved-"))
        #expect(r.idempotencyKey != a.idempotencyKey)
        let later = FollowUpNotice.make(
            last: firing, alert: a.alerts[0], instanceStart: a.alerts[0].startsAt.addingTimeInterval(3600), by: "ana", at: Date())
        #expect(later.idempotencyKey != a.idempotencyKey, "a reopened instance is acknowledged anew")
    }
}
