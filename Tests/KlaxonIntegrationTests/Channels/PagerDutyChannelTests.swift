import Foundation
import KlaxonCore
@testable import KlaxonDelivery
import KlaxonTesting
import Testing

/// The PagerDuty sink against a local server that checks each event against the Events API v2
/// schema (required fields, enums, summary length) and answers as PagerDuty does.
@Suite struct PagerDutyChannelTests {
    /// PagerDuty's checks on an enqueue body; an empty list means valid.
    static func schemaErrors(_ e: [String: Any]) -> [String] {
        var errors: [String] = []
        guard let key = e["routing_key"] as? String, key.count == 32 else { return ["routing_key must be 32 characters"] }
        guard let action = e["event_action"] as? String, ["trigger", "acknowledge", "resolve"].contains(action) else {
            return ["event_action invalid"]
        }
        guard let dedup = e["dedup_key"] as? String, !dedup.isEmpty, dedup.count <= 255 else { return ["dedup_key missing or too long"] }
        if action == "trigger" {
            guard let p = e["payload"] as? [String: Any] else { return ["payload missing"] }
            if ((p["summary"] as? String) ?? "").isEmpty || ((p["summary"] as? String) ?? "").count > 1024 { errors.append("summary missing or > 1024") }
            if ((p["source"] as? String) ?? "").isEmpty { errors.append("source missing") }
            if !["critical", "error", "warning", "info"].contains(p["severity"] as? String ?? "") { errors.append("severity invalid") }
            if let d = p["custom_details"], !(d is [String: Any]) { errors.append("custom_details not an object") }
            for link in e["links"] as? [[String: Any]] ?? [] where (link["href"] as? String ?? "").isEmpty { errors.append("link without href") }
        }
        let known: Set<String> = ["routing_key", "event_action", "dedup_key", "payload", "client", "client_url", "links", "images"]
        errors += Set(e.keys).subtracting(known).map { "unknown field \($0)" }
        return errors
    }

    static let handler: ChannelTestServer.Handler = { r in
        let errors = schemaErrors(r.json)
        if !errors.isEmpty { return .json(["status": "invalid event", "message": "Event object is invalid", "errors": errors], status: 400) }
        return .json(["status": "success", "message": "Event processed", "dedup_key": r.json["dedup_key"] ?? ""], status: 202)
    }

    @Test func triggerThenResolveShareOneDedupKeyAndPassTheSchema() async throws {
        try await withServer(Self.handler) { server in
            let config = PagerDutyConfig(
                url: server.base + "/v2/enqueue", details: ["runbook": "https://runbooks/{{commonLabels.alertname}}"],
                links: [PagerDutyLink(href: "https://klaxon/alerts/{{groupKey}}", text: "Klaxon")])
            let sink = PagerDutySink(config: config, routingKey: String(repeating: "a", count: 32))
            let long = ChannelFixtures.alert(String(repeating: "X", count: 2000), severity: .high)
            let firing = ChannelFixtures.notification([long, ChannelFixtures.alert("CVE-2", severity: .medium)])
            try await sink.deliver(firing)
            var resolved = firing
            resolved.status = .resolved
            resolved.alerts = resolved.alerts.map { var a = $0; a.status = .resolved; return a }
            resolved.idempotencyKey += "/resolved"
            try await sink.deliver(resolved)

            let events = server.received.map(\.json)
            #expect(events.count == 2)
            #expect(events.map { $0["event_action"] as? String } == ["trigger", "resolve"])
            #expect(events[0]["dedup_key"] as? String == events[1]["dedup_key"] as? String)
            let payload = try #require(events[0]["payload"] as? [String: Any])
            #expect(payload["severity"] as? String == "error", "score 80 (high) maps to error")
            #expect((payload["summary"] as? String)?.count == 1024)
            #expect((payload["custom_details"] as? [String: Any])?["runbook"] as? String == "https://runbooks/")
            #expect((events[0]["links"] as? [[String: Any]])?.first?["href"] as? String == "https://klaxon/alerts/\(firing.groupKey)")
        }
    }

    @Test func severityFollowsTheScoreBands() {
        #expect([95, 90, 89, 70, 69, 40, 39, 0].map(PagerDutyEvent.severity(score:)) == ["critical", "critical", "error", "error", "warning", "warning", "info", "info"])
    }

    @Test func aRefusedEventIsFinalAndAThrottledOneRetriesAfterItsDelay() async throws {
        try await withServer({ r in
            r.json["routing_key"] as? String == "throttled-key-000000000000000000"
                ? .init(status: 429, headers: ["Retry-After": "7"]) : PagerDutyChannelTests.handler(r)
        }) { server in
            let n = ChannelFixtures.notification([ChannelFixtures.alert("CVE-1")])
            do {
                try await PagerDutySink(config: PagerDutyConfig(url: server.base + "/v2/enqueue"), routingKey: "short").deliver(n)
                Issue.record("an invalid event was accepted")
            } catch let e as DeliveryError {
                #expect(!e.isRetriable)
                #expect(e.message.contains("HTTP 400") && e.message.contains("routing_key"), "\(e.message)")
            }
            do {
                try await PagerDutySink(config: PagerDutyConfig(url: server.base + "/v2/enqueue"), routingKey: "throttled-key-000000000000000000").deliver(n)
                Issue.record("a 429 was taken for success")
            } catch let e as DeliveryError {
                #expect(e.isRetriable && e.retryAfter == .seconds(7))
            }
        }
    }
}
