import Foundation
import Testing
@testable import KlaxonCore

/// `klaxon replay`'s pure part: the same history through two configurations, compared.
@Suite struct ReplayTests {
    let t0 = NoiseFixtures.t0

    func routing(_ yaml: String) throws -> RoutingConfig { try RoutingConfig.load(yaml: yaml, file: "routes.yml") }

    let current = """
        route:
          receiver: log
          group_by: [alertname]
          group_wait: 30s
          group_interval: 5m
        receivers:
          - name: log
          - name: pager
        """

    func vuln(_ cve: String, _ level: Severity.Level, image: String = "registry.example.com/shop/web:1.4") -> Alert {
        var a = NoiseFixtures.vuln(cve: cve, image: image, artifact: image)
        a.severity = Severity(level: level)
        a.labels["severity"] = level.name
        return a
    }

    var history: [ReplayEvent] {
        [
            ReplayEvent(alert: vuln("CVE-2024-0001", .critical), at: t0, kind: .report),
            ReplayEvent(alert: vuln("CVE-2024-0002", .high), at: t0.addingTimeInterval(60), kind: .report),
            ReplayEvent(alert: vuln("CVE-2024-0003", .low), at: t0.addingTimeInterval(120), kind: .report),
            ReplayEvent(alert: vuln("CVE-2024-0002", .high), at: t0.addingTimeInterval(3_600), kind: .resolve),
        ]
    }

    func outcome(_ routes: String, noise: String = "") throws -> ReplayOutcome {
        let config = ReplayConfig(routing: try routing(routes), noise: try NoiseFixtures.load(noise.isEmpty ? "{}" : noise))
        return ReplaySimulator(config: config).run(history)
    }

    @Test func sameConfigurationChangesNothing() throws {
        let a = try outcome(current)
        let diff = ReplayDiff(current: a, candidate: try outcome(current), eventCount: history.count)
        #expect(!diff.hasChanges)
        // Three alert groups on `log`: each opened once, CVE-2024-0002's resolution notified too.
        let log = try #require(diff.receivers.first { $0.receiver == "log" })
        #expect(log.groupsBefore == 3 && log.notificationsBefore == 4)
    }

    @Test func aNewSuppressionShowsTheAlertsItWouldHaveHidden() throws {
        let diff = ReplayDiff(
            current: try outcome(current),
            candidate: try outcome(current, noise: """
                suppressions:
                  - name: accepted-0001
                    vulnerability: CVE-2024-0001
                    reason: not reachable
                    owner: secops
                """),
            eventCount: history.count)
        #expect(diff.hasChanges)
        #expect(diff.newlySuppressed.map(\.alert.name) == ["CVE-2024-0001"])
        #expect(diff.newlySuppressed.first?.reason == .ignored)
        #expect(diff.newlySuppressed.first?.detail.contains("'not reachable'") == true)
        #expect(diff.newlySuppressed.first?.detail.contains("owner secops") == true)
        #expect(diff.unsuppressed.isEmpty)
        let log = try #require(diff.receivers.first { $0.receiver == "log" })
        #expect(log.lost.map(\.name) == ["CVE-2024-0001"] && log.gained.isEmpty)
        #expect(log.notificationsBefore == 4 && log.notificationsAfter == 3)
        #expect(log.groupsBefore == 3 && log.groupsAfter == 2)
    }

    @Test func aNewRouteShowsTheReceiverThatWouldHaveGainedThem() throws {
        let candidate = current.replacingOccurrences(of: "  group_interval: 5m\n", with: """
              group_interval: 5m
              routes:
                - receiver: pager
                  matchers: ['severity=~"critical|high"']
                  continue: true
                - receiver: log

            """)
        let diff = ReplayDiff(current: try outcome(current), candidate: try outcome(candidate), eventCount: history.count)
        let pager = try #require(diff.receivers.first { $0.receiver == "pager" })
        #expect(pager.gained.map(\.name) == ["CVE-2024-0001", "CVE-2024-0002"])
        #expect(pager.notificationsBefore == 0 && pager.notificationsAfter == 3)
        #expect(pager.groupsAfter == 2)
        let log = try #require(diff.receivers.first { $0.receiver == "log" })
        #expect(!log.changed)
        #expect(diff.newlySuppressed.isEmpty && diff.unsuppressed.isEmpty)
    }

    @Test func storedStatesBecomeReportsAndResolutions() {
        let a = vuln("CVE-2024-0001", .high)
        let states = [
            AlertState(alert: a, status: .resolved, firstSeenAt: t0, lastSeenAt: t0.addingTimeInterval(60), occurrences: 3,
                       resolvedAt: t0.addingTimeInterval(600)),
            AlertState(alert: vuln("CVE-2024-0002", .low), status: .firing, firstSeenAt: t0.addingTimeInterval(-90_000),
                       lastSeenAt: t0.addingTimeInterval(-86_500), occurrences: 1),
        ]
        let events = ReplayHistory.events(from: states, since: t0.addingTimeInterval(-3_600))
        #expect(events.map(\.kind) == [.report, .report, .resolve])
        #expect(events.map(\.at) == [t0, t0.addingTimeInterval(60), t0.addingTimeInterval(600)])
        #expect(ReplayHistory.events(from: states, since: nil).count == 4)
    }

    @Test func aLaterCompleteScanResolvesWhatItNoLongerHas() {
        let image = "registry.example.com/shop/web:1.4"
        let first = DecodedReport(format: .trivy, alerts: [vuln("CVE-2024-0001", .high), vuln("CVE-2024-0002", .low)], scopes: [image])
        let second = DecodedReport(format: .trivy, alerts: [vuln("CVE-2024-0002", .low)], scopes: [image])
        let events = ReplayHistory.events(from: [(first, t0), (second, t0.addingTimeInterval(60))])
        let resolved = events.filter { $0.kind == .resolve }
        #expect(resolved.map(\.alert.labels["cve"]) == ["CVE-2024-0001"])
        #expect(resolved.first?.at == t0.addingTimeInterval(60))
    }
}
