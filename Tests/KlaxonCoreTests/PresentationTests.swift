import Foundation
import Testing
@testable import KlaxonCore

@Suite struct PresentationTests {
    static let ctx = DecodeContext(receivedAt: Date(timeIntervalSince1970: 1_750_000_000))

    static func alert(_ name: String, _ severity: Severity, labels: [String: String] = [:]) -> Alert {
        var l = labels
        l["alertname"] = name
        l["source"] = l["source"] ?? "trivy"
        l["severity"] = severity.name
        return Alert(labels: l, severity: severity, fingerprint: Fingerprint(labels: l))
    }

    @Test func tableIsAlignedSortedAndCounts() {
        let alerts = [
            Self.alert("CVE-1", .low, labels: ["package": "openssl", "cve": "CVE-1"]),
            Self.alert("Terminal shell in container", .critical, labels: ["source": "falco", "host": "node-1"]),
        ]
        let text = AlertTable.render(alerts)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines[0].hasPrefix("SEVERITY"))
        #expect(lines[1].hasPrefix("critical 95"))
        #expect(lines[2].hasPrefix("low 20"))
        #expect(lines[3] == "2 alerts")
        // Every column starts at the same offset on every row.
        let col = lines[0].range(of: "FINGERPRINT")!.lowerBound.utf16Offset(in: lines[0])
        for (i, a) in [alerts[1], alerts[0]].enumerated() {
            let row = lines[i + 1]
            #expect(row.range(of: a.fingerprint.description)?.lowerBound.utf16Offset(in: row) == col)
        }
        #expect(lines[2].hasSuffix("package=openssl cve=CVE-1"))
        #expect(lines[1].hasSuffix("host=node-1"))
    }

    @Test func longValuesAreCutAndNewlinesFlattened() {
        let a = Self.alert(String(repeating: "x", count: 100) + "\nEND", .medium)
        let text = AlertTable.render([a], options: .init(maxColumnWidth: 20))
        #expect(text.contains(String(repeating: "x", count: 19) + "…"))
        #expect(!text.contains("END"))
        #expect(text.split(separator: "\n").count == 3)
    }

    @Test func emptyTable() {
        #expect(AlertTable.render([]) == "SEVERITY  SOURCE  ALERTNAME  FINGERPRINT  LABELS\n0 alerts\n")
    }

    @Test func jsonRoundTripsThroughTheKlaxonDecoder() throws {
        var a = Self.alert("BackupFailed", Severity(id: 4, score: 77), labels: ["host": "db-1"])
        a.annotations = ["summary": "Nightly backup failed \"again\" / ✓"]
        a.scope = "backup/db-1"
        a.occurredAt = Date(timeIntervalSince1970: 1_700_000_000.125)
        a.detectedAt = Date(timeIntervalSince1970: 1_700_000_060)
        a.resolvedAt = Date(timeIntervalSince1970: 1_700_000_120.5)
        let b = Self.alert("Other", .info)
        let data = AlertJSON.encode([a, b], scopes: ["backup/db-1"])
        let back = try Decoders.decode(data, format: .auto, context: Self.ctx)
        #expect(back.format == .klaxon)
        #expect(back.scopes == ["backup/db-1"])
        #expect(back.alerts[0] == a)
        #expect(back.alerts[1].fingerprint == b.fingerprint)
        #expect(back.alerts[1].labels == b.labels)
    }

    /// The schema documents exactly the keys the writer emits (plus `identity`, input only).
    @Test func schemaMatchesTheWriter() throws {
        let url = Samples.directory.deletingLastPathComponent().appendingPathComponent("schemas/klaxon-alert.schema.json")
        let schema = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let defs = try #require(schema["$defs"] as? [String: Any])
        let alertProps = try #require((defs["alert"] as? [String: Any])?["properties"] as? [String: Any])
        let topProps = try #require(schema["properties"] as? [String: Any])
        var a = Self.alert("X", .high)
        a.scope = "s"
        a.occurredAt = Date(timeIntervalSince1970: 0)
        a.detectedAt = a.occurredAt
        a.resolvedAt = a.occurredAt
        a.expiresAfter = 240
        a.origin = "alertmanager"
        let written = try #require(try JSONSerialization.jsonObject(with: AlertJSON.encode([a])) as? [String: Any])
        let writtenAlert = try #require((written["alerts"] as? [[String: Any]])?.first)
        #expect(Set(topProps.keys) == Set(written.keys))
        #expect(Set(alertProps.keys) == Set(writtenAlert.keys).union(["identity"]))
    }

    @Test(.enabled(if: Fixtures.enabled, "shared fixtures not found"))
    func decodedFixturesRoundTripExceptSubMillisecondTimes() throws {
        let report = try Fixtures.decode("falco/events.jsonl")
        let back = try Decoders.decode(AlertJSON.encode(report, pretty: false), format: .klaxon, context: Self.ctx)
        #expect(back.alerts.map(\.fingerprint) == report.alerts.map(\.fingerprint))
        #expect(back.alerts.map(\.labels) == report.alerts.map(\.labels))
        #expect(back.alerts.map(\.severity) == report.alerts.map(\.severity))
        for (x, y) in zip(back.alerts, report.alerts) {
            #expect(abs(x.occurredAt!.timeIntervalSince(y.occurredAt!)) < 0.001)
        }
    }

    /// An alert in Alertmanager's shape keeps its source and announced end through Klaxon JSON.
    @Test func originAndExpiryRoundTrip() throws {
        let webhook = Data(#"{"version":"4","status":"firing","receiver":"r","alerts":[{"labels":{"alertname":"A"},"startsAt":"2024-01-01T00:00:00Z","endsAt":"2024-01-01T00:04:00Z"}]}"#.utf8)
        let context = DecodeContext(receivedAt: Date(timeIntervalSince1970: 1_704_067_200))
        let am = try #require(try Decoders.decode(webhook, format: .alertmanager, context: context).alerts.first)
        #expect(am.origin == "alertmanager" && am.expiresAfter == 240)
        let back = try #require(try Decoders.decode(AlertJSON.encode([am], pretty: false), format: .klaxon, context: context).alerts.first)
        #expect(back.origin == "alertmanager" && back.source == "alertmanager" && back.labels["source"] == nil)
        #expect(back.expiresAfter == 240)
        #expect(back.fingerprint == am.fingerprint)
        let bad = Data(#"{"klaxon": 1, "alerts": [{"labels": {"alertname": "A"}, "expiresAfter": -1}]}"#.utf8)
        #expect(throws: DecodeError.self) { try Decoders.decode(bad, format: .klaxon, context: context) }
    }
}
