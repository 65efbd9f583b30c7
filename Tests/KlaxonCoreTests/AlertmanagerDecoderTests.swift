import Foundation
import Testing
@testable import KlaxonCore

@Suite struct AlertmanagerDecoderTests {
    static let ctx = DecodeContext(receivedAt: Date(timeIntervalSince1970: 1_700_000_000), environment: "prod")

    @Test(.enabled(if: Fixtures.enabled, "shared fixtures not found"))
    func webhookFixture() throws {
        let r = try Fixtures.decode("other/prometheus-msteams-alertmanager-webhook-v4.json", context: Self.ctx)
        #expect(r.format == .alertmanager)
        let a = try #require(r.alerts.first)
        #expect(r.alerts.count == 1)
        #expect(a.severity == .medium)
        // The label stays as it came, so alertmanager.yml routes on `severity="warning"` match.
        #expect(a.labels["severity"] == "warning")
        #expect(a.annotations["native_severity"] == "warning")
        #expect(a.labels["alertname"] == "high_memory_load")
        #expect(a.labels["instance"] == "instance-with-hyphen_and_underscore")
        // No `source` label is added: the labels are what Alertmanager sent (plus the topic's).
        #expect(a.labels["source"] == nil && a.source == "alertmanager")
        #expect(a.labels["environment"] == "prod")
        #expect(a.occurredAt == Timestamps.make(year: 2018, month: 3, day: 7, hour: 11, minute: 33, second: 21, nanos: 873_077_559))
        #expect(a.resolvedAt == nil)
        // Identity: the alert's own labels, as Alertmanager.
        let own = ["alertname": "high_memory_load", "instance": "instance-with-hyphen_and_underscore", "job": "docker_nodes", "monitor": "master", "severity": "warning"]
        #expect(a.fingerprint == Fingerprint(labels: own))
    }

    @Test func resolvedAlertAndZeroEndsAt() throws {
        let data = Data(#"{"version":"4","status":"resolved","receiver":"r","alerts":[{"labels":{"alertname":"A","severity":"critical"},"startsAt":"2024-01-01T00:00:00Z","endsAt":"2024-01-01T01:00:00Z"},{"status":"firing","labels":{"alertname":"B"},"startsAt":"2024-01-01T00:00:00Z","endsAt":"0001-01-01T00:00:00Z"}]}"#.utf8)
        let r = try Decoders.decode(data, format: .auto, context: Self.ctx)
        #expect(r.alerts[0].resolvedAt == Timestamps.rfc3339("2024-01-01T01:00:00Z"))
        #expect(r.alerts[0].severity == .critical)
        #expect(r.alerts[1].resolvedAt == nil)
        #expect(r.alerts[1].severity == .unknown)
        #expect(r.alerts.allSatisfy { $0.expiresAfter == nil }, "a zero endsAt announces no end")
    }

    @Test func aFutureEndsAtIsAnExpiryRelativeToWhenItWasSent() throws {
        let data = Data(#"{"version":"4","status":"firing","receiver":"r","alerts":[{"labels":{"alertname":"A","source":"prom-eu"},"startsAt":"2024-01-01T00:00:00Z","endsAt":"2024-01-01T00:04:00Z"}]}"#.utf8)
        let sent = try #require(Timestamps.rfc3339("2024-01-01T00:00:30Z"))
        // Consumed an hour after it was produced: the expiry still counts from the send.
        let late = DecodeContext(receivedAt: sent.addingTimeInterval(3600), producedAt: sent)
        let a = try #require(try Decoders.decode(data, format: .alertmanager, context: late).alerts.first)
        #expect(a.expiresAfter == 210)
        #expect(a.resolvedAt == nil)
        #expect(a.origin == nil && a.source == "prom-eu", "a source label the alert has is its source")
        // Without a producer timestamp, from when it was received.
        let now = DecodeContext(receivedAt: sent.addingTimeInterval(60))
        #expect(try Decoders.decode(data, format: .alertmanager, context: now).alerts.first?.expiresAfter == 150)
    }

    @Test func labelValuesMustBeStrings() {
        let data = Data(#"{"version":"4","receiver":"r","alerts":[{"labels":{"alertname":"A","n":1}}]}"#.utf8)
        #expect(throws: DecodeError(path: "alerts[0].labels.n", "expected a string, found a number")) {
            try Decoders.decode(data, format: .alertmanager, context: Self.ctx)
        }
    }

    @Test func labelsAreKeptAsTheyCame() throws {
        let data = Data(#"{"version":"4","status":"firing","receiver":"r","alerts":[{"labels":{"alertname":"A","severity":"warning"}},{"labels":{"alertname":"B","severity":"page"}},{"labels":{"alertname":"C"}}]}"#.utf8)
        let r = try Decoders.decode(data, format: .auto, context: Self.ctx)
        #expect(r.alerts.map { $0.labels["severity"] } == ["warning", "page", nil])
        #expect(r.alerts.map(\.severity) == [.medium, .critical, .unknown])
    }

    @Test func severityOverrideLeavesTheLabelItCameWith() throws {
        let data = Data(#"{"version":"4","receiver":"r","alerts":[{"labels":{"alertname":"DiskFull","severity":"warning"}}]}"#.utf8)
        let original = try Decoders.decode(data, format: .alertmanager, context: Self.ctx).alerts[0]
        let a = SeverityOverrides([.init(match: ["alertname": "DiskFull"], severity: .high)]).apply(to: original)
        #expect(a.severity == .high)
        #expect(a.labels["severity"] == "warning")
        #expect(a.annotations["original_severity"] == "medium (55)")
    }
}
