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
    /// Alert instances whose routes name no policy (so they are not read again each pass).
    let unescalated = UnescalatedInstances()
    let logger: Logger

    struct Outcome: Sendable, Hashable {
        var resolved: [Fingerprint] = []
        var breaches: [Fingerprint: [SLAKind]] = [:]
        var escalated: [Fingerprint] = []
        var coverage: CoverageSweeper.Outcome? = nil
    }

    func sweep(now: Date) async throws -> Outcome {
        var outcome = Outcome()
        var toGrouping: [AlertState] = []
        let activity = store.unresolvedActivity()
        let routeTimeouts = try await routeResolveTimeouts(activity, now: now)
        for a in activity {
            let expiry = config.expiry(sources: a.sources, lastSeenAt: a.lastSeenAt, expiresAfter: a.expiresAfter, route: routeTimeouts[a.fingerprint])
            guard let expiry, let at = expiry.resolution(now: now) else { continue }
            let reason = expiry.resolvesAtExpiry
                ? "its source's endsAt passed (\(ConfigDuration.format(expiry.after)) after its last report)"
                : "no report for \(ConfigDuration.format(expiry.after))"
            // Only if no report arrived since the index was read.
            let state = try store.update(a.fingerprint, by: "timeout", reason: reason) { s in
                s.lastSeenAt == a.lastSeenAt ? AlertLifecycle.resolve(s, at: at) : nil
            }
            guard let state else { continue }
            outcome.resolved.append(a.fingerprint)
            if a.admitted { toGrouping.append(state) }
        }
        if !toGrouping.isEmpty { await resolved(toGrouping, now) }
        let openAlerts = try history.openAlerts()
        for open in openAlerts {
            let kinds = config.sla.breaches(open, now: now)
            guard !kinds.isEmpty else { continue }
            for kind in kinds {
                let limit = config.sla.targets[open.severity]?.limit(kind).map(ConfigDuration.format) ?? "?"
                try history.record(open.fingerprint, AlertEvent(
                    at: now, kind: .slaBreached, actor: "sla", reason: "\(kind.rawValue): \(open.severity.name) within \(limit)"))
                Counter(label: "klaxon_sla_breaches_total", dimensions: [("severity", open.severity.name), ("kind", kind.rawValue)]).increment()
                logger.warning("SLA breached", metadata: ["alert": "\(open.fingerprint)", "sla": "\(kind.rawValue) within \(limit)"])
            }
            outcome.breaches[open.fingerprint] = kinds
        }
        outcome.escalated = try await escalate(open: openAlerts, breached: Set(outcome.breaches.keys), now: now)
        outcome.coverage = try await coverage?.sweep(now: now)
        return outcome
    }

    /// The routes' `resolve_timeout` of the alerts that have been quiet at least as long as the
    /// shortest one (only those are read from the store, and only when a route sets one).
    func routeResolveTimeouts(_ activity: [UnresolvedActivity], now: Date) async throws -> [Fingerprint: Duration] {
        guard let routingNow else { return [:] }
        let routing = await routingNow().routing
        guard let shortest = routing.shortestRouteResolveTimeout else { return [:] }
        let quiet = activity.filter { a in
            a.expiresAfter == nil && now >= a.lastSeenAt.addingTimeInterval(Double(shortest.components.seconds)) && !a.sources.contains(where: LifecycleConfig.neverTimesOut.contains)
        }
        guard !quiet.isEmpty else { return [:] }
        let contents = try store.contents(of: quiet.map(\.fingerprint))
        var out: [Fingerprint: Duration] = [:]
        for a in quiet {
            if let alert = contents[a.fingerprint]?.alert, let t = routing.resolveTimeout(for: alert) { out[a.fingerprint] = t }
        }
        return out
    }
}
