import Foundation
import KlaxonCore
import KlaxonStore
import Logging
import Metrics

/// One pass of the lifecycle timers at an injected `now`: runtime alerts with no report
/// within their source's `resolve_timeout`, and alerts whose announced end (Alertmanager's
/// `endsAt`) passed, resolve (actor `timeout`), and open alerts past
/// their SLA record one `sla_breached` event per SLA and count it; unacknowledged alerts whose
/// route names an escalation policy move up its tiers; then coverage (`CoverageSweeper`). Decisions are `LifecycleConfig`'s,
/// `SLAPolicy`'s and `Escalation`'s (pure); this does the I/O.
struct LifecycleSweeper: Sendable {
    let store: AlertStore
    let history: AlertHistory
    let config: LifecycleConfig
    /// Hands resolutions of admitted alerts to grouping (their resolved notifications).
    let resolved: @Sendable ([AlertState], Date) async -> Void
    /// Escalation state; nil turns escalation off.
    var escalations: EscalationStore? = nil
    /// The routing in force (policies, receivers' integrations); nil turns escalation off.
    var routingNow: (@Sendable () async -> EscalationRouting)? = nil
    /// Called after escalation queued notifications (wakes the outbox dispatcher).
    var delivered: @Sendable () -> Void = {}
    /// The time notifications are queued at: the outbox dispatcher runs on the wall clock,
    /// whatever `now` the timers are given.
    var queueTime: @Sendable () -> Date = { Date() }
    /// Vulnerability coverage and `ScanOverdue`; nil turns them off.
    var coverage: CoverageSweeper? = nil
    /// The alerts this instance owns; nil: all it holds (one instance, or tests).
    var ownership: PartitionOwnership? = nil
    /// Alert instances whose routes name no policy (so they are not read again each pass).
    let unescalated = UnescalatedInstances()
    let logger: Logger

    struct Outcome: Sendable, Hashable {
        var resolved: [Fingerprint] = []
        var breaches: [Fingerprint: [SLAKind]] = [:]
        var escalated: [Fingerprint] = []
        var coverage: CoverageSweeper.Outcome? = nil
    }

    /// Where the pass reads and writes: off the cooperative pool, so a pass over many alerts
    /// holds none of its threads (the HTTP API and `/metrics` answer meanwhile).
    let io = OffPool("klaxon.lifecycle")

    func sweep(now: Date) async throws -> Outcome {
        var outcome = Outcome()
        let routing = await routingNow?().routing
        let shortestRoute = routing?.shortestRouteResolveTimeout
        let config = self.config
        let mine = ownership.map { $0.snapshot() } ?? PartitionOwnership.everything
        // Only the alerts that could have timed out by now, whatever route they take.
        let activity = store.unresolvedActivity { a in
            config.mayHaveExpired(sources: a.sources, lastSeenAt: a.lastSeenAt, expiresAfter: a.expiresAfter, shortestRoute: shortestRoute, now: now)
        }.filter { mine($0.fingerprint) }
        let routeTimeouts = try await routeResolveTimeouts(activity, routing: routing, now: now)
        let expired = try await io.run { [self] in try resolveExpired(activity, routeTimeouts: routeTimeouts, now: now) }
        outcome.resolved = expired.map { $0.fingerprint }
        let toGrouping = expired.compactMap { $0.admitted }
        if !toGrouping.isEmpty { await resolved(toGrouping, now) }
        // Escalations of alerts another instance owns are its to run: neither stepped nor ended
        // here (this instance's copy of such an alert is not open in its view).
        let pass = try await escalationPass().map { p in
            EscalationPass(routing: p.routing, states: p.states.filter { mine($0.key) })
        }
        let (watched, breaches) = try await io.run { [self] in try recordBreaches(now: now, owned: mine, keeping: { pass?.watches($0) ?? false }) }
        outcome.breaches = breaches
        if let pass { outcome.escalated = try await escalate(watched, breached: Set(outcome.breaches.keys), pass: pass, now: now) }
        outcome.coverage = try await coverage?.sweep(now: now)
        return outcome
    }

    /// Resolves (actor `timeout`) the alerts whose resolve timeout or announced end passed, each
    /// only if no report arrived since the index was read. Returns them, with the new state of
    /// those grouping must hear about (admitted ones).
    private func resolveExpired(
        _ activity: [UnresolvedActivity], routeTimeouts: [Fingerprint: Duration], now: Date
    ) throws -> [(fingerprint: Fingerprint, admitted: AlertState?)] {
        var out: [(fingerprint: Fingerprint, admitted: AlertState?)] = []
        for a in activity {
            let expiry = config.expiry(sources: a.sources, lastSeenAt: a.lastSeenAt, expiresAfter: a.expiresAfter, route: routeTimeouts[a.fingerprint])
            guard let expiry, let at = expiry.resolution(now: now) else { continue }
            let reason = expiry.resolvesAtExpiry
                ? "its source's endsAt passed (\(ConfigDuration.format(expiry.after)) after its last report)"
                : "no report for \(ConfigDuration.format(expiry.after))"
            let state = try store.update(a.fingerprint, by: "timeout", reason: reason) { s in
                s.lastSeenAt == a.lastSeenAt ? AlertLifecycle.resolve(s, at: at) : nil
            }
            guard let state else { continue }
            out.append((a.fingerprint, a.admitted ? state : nil))
        }
        return out
    }

    /// Owned open alerts past their SLA: one `sla_breached` event per SLA, all in one
    /// transaction. Returns the open alerts `keeping` accepts (escalation's) and the breaches;
    /// the others are visited, not held.
    private func recordBreaches(
        now: Date, owned: (Fingerprint) -> Bool, keeping: (OpenAlert) -> Bool
    ) throws -> ([OpenAlert], [Fingerprint: [SLAKind]]) {
        var kept: [OpenAlert] = []
        var breaches: [Fingerprint: [SLAKind]] = [:]
        var found: [(open: OpenAlert, kind: SLAKind, limit: String)] = []
        try history.forEachOpenAlert { open in
            guard owned(open.fingerprint) else { return }
            if keeping(open) { kept.append(open) }
            let kinds = config.sla.breaches(open, now: now)
            guard !kinds.isEmpty else { return }
            for kind in kinds {
                found.append((open, kind, config.sla.targets[open.severity]?.limit(kind).map(ConfigDuration.format) ?? "?"))
            }
            breaches[open.fingerprint] = kinds
        }
        try history.record(found.map { b in
            (b.open.fingerprint, AlertEvent(
                at: now, kind: .slaBreached, actor: "sla", reason: "\(b.kind.rawValue): \(b.open.severity.name) within \(b.limit)"))
        })
        for b in found {
            Counter(label: "klaxon_sla_breaches_total", dimensions: [("severity", b.open.severity.name), ("kind", b.kind.rawValue)]).increment()
            logger.warning("SLA breached", metadata: ["alert": "\(b.open.fingerprint)", "sla": "\(b.kind.rawValue) within \(b.limit)"])
        }
        return (kept, breaches)
    }

    /// The routes' `resolve_timeout` of the alerts that have been quiet at least as long as the
    /// shortest one (only those are read from the store, and only when a route sets one).
    func routeResolveTimeouts(_ activity: [UnresolvedActivity], routing: RoutingConfig?, now: Date) async throws -> [Fingerprint: Duration] {
        guard let routing, let shortest = routing.shortestRouteResolveTimeout else { return [:] }
        let quiet = activity.filter { a in
            a.expiresAfter == nil && now >= a.lastSeenAt.addingTimeInterval(Double(shortest.components.seconds)) && LifecycleConfig.routeTimeoutApplies(to: a.sources)
        }
        guard !quiet.isEmpty else { return [:] }
        let store = self.store
        let contents = try await io.run { try store.contents(of: quiet.map(\.fingerprint)) }
        var out: [Fingerprint: Duration] = [:]
        for a in quiet {
            if let alert = contents[a.fingerprint]?.alert, let t = routing.resolveTimeout(for: alert) { out[a.fingerprint] = t }
        }
        return out
    }
}
