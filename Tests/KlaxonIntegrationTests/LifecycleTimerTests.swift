import Foundation
import KlaxonCore
import KlaxonStore
import Logging
import Synchronization
import Testing

@testable import KlaxonService

/// What the sweeper handed to grouping.
final class Sink: Sendable {
    let states = Mutex<[AlertState]>([])
}

/// Resolve timeouts, source-reported resolutions and SLA breaches over a real SQLite file, on
/// virtual time (each pass gets its `now`).
@Suite struct LifecycleTimerTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func world() throws -> (AlertStore, AlertHistory, StateDatabase) {
        let path = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("klaxon-timers-\(UUID().uuidString.prefix(8))/s.db").path
        let db = try StateDatabase(path: path)
        return (try AlertStore(database: db), AlertHistory(database: db), db)
    }

    func alert(_ name: String, source: String, severity: Severity, resolvedAt: Date? = nil) -> Alert {
        Alert(
            labels: ["alertname": name, "source": source, "severity": severity.name], severity: severity,
            fingerprint: Fingerprint(labels: ["alertname": name, "source": source]), resolvedAt: resolvedAt)
    }

    func sweeper(_ store: AlertStore, _ history: AlertHistory, config: LifecycleConfig = LifecycleConfig(), sink: Sink) -> LifecycleSweeper {
        LifecycleSweeper(
            store: store, history: history, config: config, resolved: { states, _ in sink.states.withLock { $0 += states } }, logger: Logger(label: "test"))
    }

    @Test func aFalcoAlertWithNoRecurrenceResolvesAfterItsTimeout() async throws {
        let (store, history, _) = try world()
        let sink = Sink()
        let s = sweeper(store, history, sink: sink)
        let falco = alert("Terminal shell in container", source: "falco", severity: .high)
        let trivy = alert("CVE-1", source: "trivy", severity: .high)
        try store.apply(BatchWrite(reports: [falco, trivy].map { AlertReport(alert: $0, owner: "r/0", receivedAt: t0) }))
        try store.apply(BatchWrite(reports: [AlertReport(alert: falco, owner: "r/0", receivedAt: t0.addingTimeInterval(600))]))

        #expect(try await s.sweep(now: t0.addingTimeInterval(600 + 29 * 60)).resolved.isEmpty, "30 minutes from the last report, not the first")
        let outcome = try await s.sweep(now: t0.addingTimeInterval(600 + 30 * 60))
        #expect(outcome.resolved == [falco.fingerprint], "a scanner's finding never times out")
        #expect(try store.state(of: falco.fingerprint)?.status == .resolved)
        #expect(sink.states.withLock { $0.map(\.alert.fingerprint) } == [falco.fingerprint], "grouping hears of the admitted alert's resolution")
        let last = try #require(try history.events(of: falco.fingerprint, current: nil).last)
        #expect(last.kind == .resolved && last.actor == "timeout" && last.reason == "no report for 30m")
        #expect(try await s.sweep(now: t0.addingTimeInterval(7200)).resolved.isEmpty)
    }

    @Test func aConfiguredTimeoutReplacesTheDefault() async throws {
        let config = try ServiceConfig.load(
            yaml: "kafka: {embedded: true, topics: [{name: t}]}\nlifecycle:\n  resolve_timeout:\n    falco: 2h\n", file: "k.yml")
        #expect(config.lifecycle.resolveTimeouts["falco"] == .seconds(7200))
        #expect(config.lifecycle.resolveTimeouts["guardduty"] == .seconds(1800))
        #expect(config.lifecycle.expiry(sources: ["falco"], lastSeenAt: t0, expiresAfter: nil)?.resolution(now: t0.addingTimeInterval(3600)) == nil)
        #expect(throws: ConfigError.self) {
            try ServiceConfig.load(yaml: "kafka: {embedded: true, topics: [{name: t}]}\nlifecycle:\n  resolve_timeout:\n    falcon: 2h\n", file: "k.yml")
        }
    }

    @Test func anAWSFindingResolvesWhenItsSourceSaysSo() throws {
        let (store, history, _) = try world()
        let open = alert("GuardDuty finding", source: "guardduty", severity: .high)
        try store.apply(BatchWrite(reports: [AlertReport(alert: open, owner: "r/0", receivedAt: t0)]))
        var archived = open
        archived.resolvedAt = t0.addingTimeInterval(3000)
        let result = try store.apply(BatchWrite(reports: [AlertReport(alert: archived, owner: "r/0", receivedAt: t0.addingTimeInterval(3600))]))
        #expect(result.transitions == [.resolved])
        #expect(result.changes.map(\.status) == [.resolved], "an admitted alert's resolution reaches grouping")
        let state = try #require(try store.state(of: open.fingerprint))
        #expect(state.status == .resolved && state.resolvedAt == t0.addingTimeInterval(3000))
        #expect(try history.events(of: open.fingerprint, current: state).first { $0.kind == .resolved }?.actor == "source")
        // A finding first seen already archived is kept as resolved and tells nobody.
        let closed = alert("Old finding", source: "inspector2", severity: .high, resolvedAt: t0)
        let quiet = try store.apply(BatchWrite(reports: [AlertReport(alert: closed, owner: "r/0", receivedAt: t0)]))
        #expect(quiet.changes.isEmpty)
        #expect(try store.state(of: closed.fingerprint)?.status == .resolved)
    }

    /// With several instances, timers act only on alerts of partitions this instance owns now:
    /// one that lost a partition keeps a copy of its alerts but must not resolve them on a
    /// timeout or record their breaches (the new owner does).
    @Test func timersActOnlyOnAlertsOfOwnedPartitions() async throws {
        let (store, history, _) = try world()
        let sink = Sink()
        let partitioner = StatePartitioner(partitions: 12)
        let owned = Mutex<Set<Int32>>([])
        var s = sweeper(store, history, sink: sink)
        s.ownership = PartitionOwnership(partitioner: partitioner, owned: { owned.withLock { $0 } })
        // Two runtime alerts on two different partitions.
        let first = alert("Shell-0", source: "falco", severity: .high)
        let second = try #require((1...50).lazy.map { alert("Shell-\($0)", source: "falco", severity: .high) }
            .first { partitioner.partition(of: $0.fingerprint) != partitioner.partition(of: first.fingerprint) })
        try store.apply(BatchWrite(reports: [first, second].map { AlertReport(alert: $0, owner: "r/0", receivedAt: t0) }))
        owned.withLock { $0 = [partitioner.partition(of: first.fingerprint)] }

        let late = t0.addingTimeInterval(86_400)
        let outcome = try await s.sweep(now: late)
        #expect(outcome.resolved == [first.fingerprint], "the timeout resolves only the owned alert")
        #expect(try store.state(of: second.fingerprint)?.status == .firing)
        #expect(outcome.breaches.isEmpty, "the resolved one has no open SLA; the other is not owned")

        // The partition comes back (restored): its alert's timers run again.
        owned.withLock { $0.insert(partitioner.partition(of: second.fingerprint)) }
        #expect(try await s.sweep(now: late).resolved == [second.fingerprint])
    }

    @Test func aReopenedAlertStartsItsSLAsAgain() async throws {
        let (store, history, _) = try world()
        let s = sweeper(store, history, sink: Sink())
        let high = alert("CVE-4", source: "trivy", severity: .high)
        try store.apply(BatchWrite(reports: [AlertReport(alert: high, owner: "s/0", receivedAt: t0)]))
        #expect(try await s.sweep(now: t0.addingTimeInterval(86_400)).breaches == [high.fingerprint: [SLAKind.resolve]])
        let resolvedAt = t0.addingTimeInterval(90_000)
        _ = try store.update(high.fingerprint, by: "test", reason: "fixed") { AlertLifecycle.resolve($0, at: resolvedAt) }
        let t1 = t0.addingTimeInterval(100_000)
        #expect(try store.apply(BatchWrite(reports: [AlertReport(alert: high, owner: "s/0", receivedAt: t1)])).transitions == [.reopened])
        #expect(try await s.sweep(now: t1.addingTimeInterval(86_399)).breaches.isEmpty, "the old instance's breach does not carry over, nor its clock")
        #expect(try await s.sweep(now: t1.addingTimeInterval(86_400)).breaches == [high.fingerprint: [SLAKind.resolve]])
        #expect(try await s.sweep(now: t1.addingTimeInterval(90_000)).breaches.isEmpty, "recorded once per instance")
        #expect(try history.events(of: high.fingerprint, current: nil).filter { $0.kind == .slaBreached }.count == 2)
    }

    @Test func aHighAlertPastItsSLARecordsOneBreach() async throws {
        Telemetry.bootstrap()
        let (store, history, _) = try world()
        let sink = Sink()
        let s = sweeper(store, history, sink: sink)
        let high = alert("CVE-2", source: "trivy", severity: .high)
        let critical = alert("CVE-3", source: "trivy", severity: .critical)
        try store.apply(BatchWrite(reports: [high, critical].map { AlertReport(alert: $0, owner: "s/0", receivedAt: t0) }))
        // Only the critical one was notified: its acknowledge clock starts there.
        let n = AlertNotification(
            idempotencyKey: "k", receiver: "pager", status: .firing, groupKey: "g", groupLabels: [:],
            alerts: [NotifiedAlert(status: .firing, fingerprint: critical.fingerprint, labels: critical.labels, annotations: [:], severity: .critical, startsAt: t0)])
        try store.recordFlush([QueuedNotification(notification: n, integration: "webhook/0", key: "k/webhook/0")], log: [:], at: t0.addingTimeInterval(60))

        #expect(try await s.sweep(now: t0.addingTimeInterval(60 + 14 * 60)).breaches.isEmpty)
        #expect(try await s.sweep(now: t0.addingTimeInterval(60 + 15 * 60)).breaches == [critical.fingerprint: [SLAKind.acknowledge]])
        #expect(try await s.sweep(now: t0.addingTimeInterval(86_399)).breaches.isEmpty, "recorded once")
        #expect(try await s.sweep(now: t0.addingTimeInterval(86_400)).breaches == [high.fingerprint: [SLAKind.resolve]])
        #expect(try await s.sweep(now: t0.addingTimeInterval(90_000)).breaches.isEmpty)
        let events = try history.events(of: high.fingerprint, current: nil).filter { $0.kind == .slaBreached }
        #expect(events.count == 1 && events[0].reason == "resolve: high within 1d")
        let scrape = String(decoding: Telemetry.registry.emitToBuffer(), as: UTF8.self)
        #expect(scrape.contains(#"klaxon_sla_breaches_total{severity="high",kind="resolve"}"#))
    }

    @Test func slaPresetsAndOverridesLoad() throws {
        let config = try ServiceConfig.load(
            yaml: "kafka: {embedded: true, topics: [{name: t}]}\nlifecycle:\n  sla:\n    preset: application\n    low: {resolve: 90d}\n", file: "k.yml")
        #expect(config.lifecycle.sla.targets[.high]?.resolve == .seconds(7 * 86_400))
        #expect(config.lifecycle.sla.targets[.medium]?.resolve == .seconds(30 * 86_400))
        #expect(config.lifecycle.sla.targets[.low]?.resolve == .seconds(90 * 86_400))
        #expect(LifecycleConfig().sla.targets[.critical]?.acknowledge == .seconds(900))
        #expect(throws: ConfigError.self) {
            try ServiceConfig.load(yaml: "kafka: {embedded: true, topics: [{name: t}]}\nlifecycle:\n  sla:\n    preset: strict\n", file: "k.yml")
        }
    }

    /// Routes for the per-route timeouts: Falco alerts 2 h, those of namespace prod 10 m.
    static let timeoutRoutes = """
        route:
          receiver: log
          routes:
            - matchers: ['source="falco"']
              resolve_timeout: 2h
              routes:
                - matchers: ['namespace="prod"']
                  resolve_timeout: 10m
                - matchers: ['namespace="dev"']
        receivers:
          - name: log
        """

    @Test func theMostSpecificRoutesResolveTimeoutWins() async throws {
        let (store, history, _) = try world()
        let sink = Sink()
        let routing = try RoutingConfig.load(yaml: Self.timeoutRoutes, file: "routes.yml")
        var s = sweeper(store, history, sink: sink)
        s.routingNow = { EscalationRouting(routing: routing, integrations: [:]) }
        func runtime(_ name: String, source: String, namespace: String) -> Alert {
            let labels = ["alertname": name, "source": source, "severity": "high", "namespace": namespace]
            return Alert(labels: labels, severity: .high, fingerprint: Fingerprint(labels: labels))
        }
        let prod = runtime("Shell in container", source: "falco", namespace: "prod")
        let dev = runtime("Shell in container", source: "falco", namespace: "dev")
        let guardDuty = runtime("Recon:EC2/PortProbeUnprotectedPort", source: "guardduty", namespace: "prod")
        let trivy = runtime("CVE-2024-6387", source: "trivy", namespace: "prod")
        try store.apply(BatchWrite(reports: [prod, dev, guardDuty, trivy].map { AlertReport(alert: $0, owner: "r/0", receivedAt: t0) }))

        #expect(try await s.sweep(now: t0.addingTimeInterval(9 * 60)).resolved.isEmpty)
        #expect(try await s.sweep(now: t0.addingTimeInterval(10 * 60)).resolved == [prod.fingerprint], "the child route's 10m")
        #expect(try await s.sweep(now: t0.addingTimeInterval(30 * 60)).resolved == [guardDuty.fingerprint], "no route sets one: the source's 30m")
        #expect(try await s.sweep(now: t0.addingTimeInterval(2 * 3600 - 1)).resolved.isEmpty, "dev inherits 2h, not Falco's 30m")
        #expect(try await s.sweep(now: t0.addingTimeInterval(2 * 3600)).resolved == [dev.fingerprint])
        #expect(try await s.sweep(now: t0.addingTimeInterval(30 * 86_400)).resolved.isEmpty, "a scanner's finding never times out")
        #expect(try store.state(of: trivy.fingerprint)?.status == .firing)
        let last = try #require(try history.events(of: prod.fingerprint, current: nil).last)
        #expect(last.actor == "timeout" && last.reason == "no report for 10m")
    }

    @Test func aRouteResolveTimeoutIsRefusedWhereItCannotApply() throws {
        func load(_ yaml: String) throws { _ = try RoutingConfig.load(yaml: yaml, file: "routes.yml") }
        let cases: [(String, String)] = [
            ("""
            route:
              receiver: log
              routes:
                - matchers: ['source="trivy"']
                  resolve_timeout: 1d
            receivers: [{name: log}]
            """, #"routes.yml:5:24: route.routes[0].resolve_timeout: resolve_timeout cannot apply to source "trivy""#),
            ("""
            route:
              receiver: log
              routes:
                - match: {source: inspector2}
                  routes:
                    - matchers: ['severity="high"']
                      resolve_timeout: 1h
            receivers: [{name: log}]
            """, #"resolve_timeout cannot apply to source "inspector2""#),
            ("""
            route:
              receiver: log
              resolve_timeout: 0s
            receivers: [{name: log}]
            """, "resolve_timeout must be positive"),
            ("""
            route:
              receiver: log
              resolve_timeout: soon
            receivers: [{name: log}]
            """, "route.resolve_timeout"),
            ("""
            route:
              receiver: log
              resolve_timeouts: 1h
            receivers: [{name: log}]
            """, #"unknown field "resolve_timeouts""#),
        ]
        for (yaml, message) in cases {
            #expect { try load(yaml) } throws: { e in "\(e)".contains(message) }
        }
        // On the root it applies to every runtime alert.
        let root = try RoutingConfig.load(yaml: "route:\n  receiver: log\n  resolve_timeout: 45m\nreceivers: [{name: log}]\n", file: "r.yml")
        let falco = Alert(labels: ["alertname": "x", "source": "falco"], severity: .high, fingerprint: Fingerprint(labels: ["alertname": "x"]))
        #expect(root.resolveTimeout(for: falco) == .seconds(2700))
        #expect(LifecycleConfig().resolveTimeout(sources: ["trivy"], route: .seconds(2700)) == nil)
        #expect(LifecycleConfig().resolveTimeout(sources: ["generic"], route: .seconds(60)) == .seconds(60))
    }
}
