import Foundation
import KlaxonCore
@testable import KlaxonService
@testable import KlaxonStore
import Logging
import Testing

/// Which of the state changelog's alerts grouping takes as inhibition sources
/// (`GroupingEngine.takeChangelogSources`), and how they end: the two-instance proof is
/// `InhibitionAcrossInstancesTests`. Also how long it keeps other instances' alerts.
@Suite struct ChangelogInhibitionSourcesTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    static let rules = """
        inhibit_rules:
          - source_matchers: ['severity="critical"']
            target_matchers: ['severity="high"']
            equal: [host]
        """

    func routing(_ extra: String) throws -> RoutingConfig {
        try RoutingConfig.load(yaml: """
            route: {receiver: r, group_by: ['...'], group_wait: 0s}
            receivers:
              - name: r
                webhook_configs: [{url: 'http://127.0.0.1:1/'}]
            \(extra)
            """, file: "r.yml")
    }

    func engine(_ extra: String) throws -> GroupingEngine {
        let database = try StateDatabase.temporary("changelog-sources")
        return GroupingEngine(
            routing: try routing(extra), integrations: ["r": [Integration(name: "webhook-0", sendResolved: true)]], store: try AlertStore(database: database),
            silences: SilenceStore(database: database), noise: try NoiseGate(config: NoiseConfig(), falsePositives: FalsePositiveStore(database: database)),
            logger: Logger(label: "test"))
    }

    func alert(_ name: String, _ severity: Severity, host: String = "h1") -> Alert {
        let labels = ["alertname": name, "severity": severity == .critical ? "critical" : "high", "host": host]
        return Alert(labels: labels, severity: severity, fingerprint: Fingerprint(labels: labels))
    }

    func record(_ a: Alert, status: AlertState.Status = .firing, admitted: Bool = true) -> AlertChangelogRecord {
        var state = AlertState(alert: a, status: status, firstSeenAt: t0, lastSeenAt: t0, occurrences: 1)
        if status == .resolved { state.resolvedAt = t0 }
        return AlertChangelogRecord(state: state, owner: "klaxon.alerts/1", sources: "", admitted: admitted)
    }

    func inhibited(_ engine: GroupingEngine, _ target: Alert) async -> Bool {
        await engine.muting([target], now: t0)[target.fingerprint]?.inhibited ?? false
    }

    @Test func anAdmittedFiringSourceInhibitsUntilAnyLaterRecordEndsIt() async throws {
        let engine = try engine(Self.rules)
        let (source, target) = (alert("Source", .critical), alert("Target", .high))
        #expect(await !inhibited(engine, target))
        await engine.takeChangelogSources([record(source, admitted: false)])
        #expect(await !inhibited(engine, target), "an alert the noise filter held is in no group, so it inhibits nothing")
        await engine.takeChangelogSources([record(alert("Other", .critical, host: "h2")), record(source)])
        #expect(await inhibited(engine, target))
        #expect(await engine.alertmanagerStatus([target], now: t0)[target.fingerprint]?.inhibitedBy == [source.fingerprint.description])
        await engine.takeChangelogSources([record(source, status: .resolved)])
        #expect(await !inhibited(engine, target))
        await engine.takeChangelogSources([record(source, status: .acknowledged)])
        #expect(await inhibited(engine, target), "acknowledged still fires")
        // Grouping hearing the resolution first ends it before the changelog reader gets there.
        var resolved = AlertState(alert: source, status: .resolved, firstSeenAt: t0, lastSeenAt: t0, occurrences: 1)
        resolved.resolvedAt = t0
        await engine.add([resolved], now: t0)
        #expect(await !inhibited(engine, target))

        // A source grouping holds from when this instance owned it: the owner's record ends it.
        await engine.add([AlertState(alert: source, status: .firing, firstSeenAt: t0, lastSeenAt: t0, occurrences: 1)], now: t0)
        #expect(await inhibited(engine, target))
        await engine.takeChangelogSources([record(source, status: .resolved)])
        #expect(await !inhibited(engine, target))
    }

    @Test func aReloadKeepsSourcesTheNewRulesTakeAndAsksForAReadAgain() async throws {
        let engine = try engine("")
        let (source, target) = (alert("Source", .critical), alert("Target", .high))
        #expect(await !engine.wantsChangelogAlerts)
        await engine.takeChangelogSources([record(source)])
        let before = await engine.inhibitionGeneration
        try await engine.reload(routing: try routing(Self.rules), integrations: ["r": [Integration(name: "webhook-0", sendResolved: true)]], now: t0)
        #expect(await engine.inhibitionGeneration == before + 1, "the feed reads the changelog again")
        #expect(await engine.wantsChangelogAlerts)
        #expect(await !inhibited(engine, target), "without rules nothing was kept")
        await engine.takeChangelogSources([record(source)])
        #expect(await inhibited(engine, target))
        try await engine.reload(routing: try routing(""), integrations: ["r": [Integration(name: "webhook-0", sendResolved: true)]], now: t0)
        #expect(await !inhibited(engine, target))
    }

    /// Other instances' alerts kept for the groups notified here (`remote`) let go of those
    /// resolved more than a day ago: one read that old is not kept, and a kept one goes at the
    /// first flush an hour after the last prune.
    @Test func otherInstancesAlertsResolvedLongAgoAreNotKept() async throws {
        let engine = try engine("")
        let day: TimeInterval = 86_400
        await engine.takeChangelogAlerts([record(alert("Firing", .high)), record(alert("Resolved", .high), status: .resolved)], now: t0)
        #expect(await engine.remoteCount == 2)
        await engine.takeChangelogAlerts([record(alert("Old", .high), status: .resolved)], now: t0.addingTimeInterval(day + 1))
        #expect(await engine.remoteCount == 2, "a record of an alert resolved over a day ago is not kept")
        _ = try await engine.flush(now: t0.addingTimeInterval(day - 1))
        #expect(await engine.remoteCount == 2, "resolved within the day: kept")
        _ = try await engine.flush(now: t0.addingTimeInterval(day + 1))
        #expect(await engine.remoteCount == 2, "within the hour since the last prune")
        _ = try await engine.flush(now: t0.addingTimeInterval(day + 3601))
        #expect(await engine.remoteCount == 1, "the alert resolved over a day ago is let go, the firing one stays")
    }
}
