import Foundation
import KlaxonCore
import KlaxonTesting
import Testing

/// Alerts that arrive in Alertmanager's shape route and inhibit on the labels they came with,
/// as Alertmanager (asked through `amtool config routes test`) does with the same file.
@Suite struct AlertmanagerLabelsTests {
    static let config = """
        global:
          resolve_timeout: 5m
        route:
          receiver: default
          group_by: [alertname]
          routes:
            - matchers: ['severity="critical"']
              receiver: pager
            - matchers: ['severity="warning"', 'team="db"']
              receiver: team-db-warn
            - matchers: ['severity=~"medium|high"']
              receiver: klaxon-levels
        receivers:
          - name: default
          - name: pager
          - name: team-db-warn
          - name: klaxon-levels
        inhibit_rules:
          - source_matchers: ['severity="critical"']
            target_matchers: ['severity="warning"']
            equal: [alertname, instance]
        """

    /// A webhook v4 body carrying these alerts (what Alertmanager posts, and the shape the
    /// v2 push is decoded through).
    static func webhook(_ alerts: [[String: String]]) throws -> Data {
        let body: [String: Any] = [
            "version": "4", "status": "firing", "receiver": "upstream",
            "alerts": alerts.map { ["status": "firing", "labels": $0, "startsAt": "2026-01-01T00:00:00Z"] },
        ]
        return try JSONSerialization.data(withJSONObject: body)
    }

    /// amtool's receivers for a label set, in its order.
    static func amtool(_ file: String, _ labels: [String: String]) async throws -> [String] {
        let amtool = try Tools.require("amtool", package: "prometheus-alertmanager")
        let args = ["config", "routes", "test", "--config.file=\(file)"] + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let (status, out, err) = try await ChildProcess.run(amtool, args, in: URL(fileURLWithPath: NSTemporaryDirectory()))
        #expect(status == 0, "amtool: \(err)")
        return out.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").map(String.init)
    }

    @Test func warningAlertRoutesAndInhibitsAsAlertmanagerDoes() async throws {
        let ws = try Workspace("am-labels")
        let file = try ws.write("alertmanager.yml", Self.config)
        let routing = try RoutingConfig.load(yaml: Self.config, file: file)
        let sent: [[String: String]] = [
            ["alertname": "DiskFull", "instance": "db-1", "team": "db", "severity": "warning"],
            ["alertname": "DiskFull", "instance": "db-1", "team": "db", "severity": "critical"],
            ["alertname": "DiskFull", "instance": "db-2", "team": "db", "severity": "warning"],
            ["alertname": "Latency", "instance": "web-1", "severity": "error"],
        ]
        let report = try Decoders.decode(try Self.webhook(sent), format: .auto, context: DecodeContext(receivedAt: Date()))
        #expect(report.format == .alertmanager)
        #expect(report.alerts.count == sent.count)
        for (labels, alert) in zip(sent, report.alerts) {
            // Routing on the decoded alert agrees with amtool on the labels as sent.
            let expected = try await Self.amtool(file, labels)
            #expect(routing.tree.match(alert).map(\.receiver) == expected, "labels \(labels)")
            #expect(alert.labels["severity"] == labels["severity"])
        }
        // What amtool answered, spelled out: the warnings reach team-db-warn, not a level name.
        #expect(routing.tree.match(report.alerts[0]).map(\.receiver) == ["team-db-warn"])
        #expect(report.alerts[0].severity.level == .medium)
        #expect(routing.tree.match(report.alerts[3]).map(\.receiver) == ["default"])

        // Inhibition keyed on severity: the critical DiskFull on db-1 mutes the warning on db-1
        // (same alertname and instance) but not the one on db-2, and not itself.
        let inhibitor = Inhibitor(rules: routing.inhibitRules, firingAlerts: report.alerts.map(\.labels))
        #expect(inhibitor.inhibition(of: report.alerts[0].labels)?.sourceLabels["severity"] == "critical")
        #expect(inhibitor.inhibition(of: report.alerts[1].labels) == nil)
        #expect(inhibitor.inhibition(of: report.alerts[2].labels) == nil)
    }

    @Test func otherDecodersStillCarryKlaxonLevels() throws {
        let trivy = Data(#"{"SchemaVersion":2,"ArtifactName":"app","Results":[{"Vulnerabilities":[{"VulnerabilityID":"CVE-1","PkgName":"p","InstalledVersion":"1","Severity":"MEDIUM"}]}]}"#.utf8)
        let falco = Data(#"{"rule":"R","priority":"Warning","hostname":"h","output":"o","time":"2024-01-01T00:00:00Z"}"#.utf8)
        let ctx = DecodeContext(receivedAt: Date())
        #expect(try Decoders.decode(trivy, format: .auto, context: ctx).alerts[0].labels["severity"] == "medium")
        #expect(try Decoders.decode(falco, format: .auto, context: ctx).alerts[0].labels["severity"] == "medium")
    }
}
