import Foundation
import KlaxonCore
import KlaxonStore
import Logging
import Metrics

/// One coverage pass at an injected `now`: inventory items count as seen, coverage is decided
/// (`CoverageEvaluation`, pure) and published as `klaxon_scan_coverage_ratio{environment}`, and
/// each overdue artifact has one firing `ScanOverdue` alert. The alert enters like a consumed
/// report (noise filter, alert state, grouping, outbox), so routes, silences and receivers
/// treat it as any other; it resolves (actor `scan`) once the artifact is covered again or
/// drops out of the known set.
struct CoverageSweeper: Sendable {
    let coverage: CoverageStore
    let store: AlertStore
    let config: CoverageConfig
    /// The noise filter new `ScanOverdue` alerts pass through; nil admits them.
    let noise: NoiseGate?
    /// Hands opened and resolved alerts to grouping (with the timers' `now`; the service passes
    /// grouping the wall clock, which its own timers run on).
    let grouping: @Sendable ([AlertState], Date) async -> Void
    let logger: Logger

    /// Owner recorded for `ScanOverdue` alert state (no Kafka partition carries it).
    static let owner = "klaxon/coverage"

    struct Outcome: Sendable, Hashable {
        var evaluation: CoverageEvaluation
        var raised: [Fingerprint] = []
        var resolved: [Fingerprint] = []
    }

    /// Where the pass reads and writes: off the cooperative pool.
    let io = OffPool("klaxon.coverage")

    func sweep(now: Date) async throws -> Outcome {
        let (outcome, toGrouping) = try await io.run { [self] in try record(now: now) }
        if !toGrouping.isEmpty { await grouping(toGrouping, now) }
        return outcome
    }

    /// The pass's reads, decisions and writes; returns what grouping must hear about.
    private func record(now: Date) throws -> (Outcome, [AlertState]) {
        var inventory = CoverageObservations()
        for item in config.inventory {
            inventory.see(.init(kind: item.kind, name: ArtifactName.normalize(item.name, kind: item.kind), environment: item.environment ?? ""), at: now)
        }
        try coverage.record(inventory)
        try coverage.markKnown(at: now)
        let evaluation = try coverage.evaluate(config, now: now)
        for env in evaluation.environments {
            Gauge(label: "klaxon_scan_coverage_ratio", dimensions: [("environment", env.environment)]).record(env.ratio)
        }
        var outcome = Outcome(evaluation: evaluation)

        let overdue = config.overdueAlerts ? evaluation.overdue : []
        let wanted = Dictionary(
            overdue.map { (ScanOverdueAlert.fingerprint(kind: $0.kind, name: $0.name, environment: $0.environment), $0) },
            uniquingKeysWith: { a, _ in a })
        // Firing ScanOverdue alerts: Klaxon's own unresolved alerts with that name.
        let own = store.unresolvedActivity { $0.sources == [ScanOverdueAlert.source] }
        let contents = own.isEmpty ? [:] : try store.contents(of: own.map(\.fingerprint))
        let firing = own.filter { contents[$0.fingerprint]?.alert.name == ScanOverdueAlert.name }
        let firingFPs = Set(firing.map(\.fingerprint))

        let raise = wanted.filter { !firingFPs.contains($0.key) }.values.sorted { ($0.environment, $0.kind, $0.name) < ($1.environment, $1.kind, $1.name) }
        var toGrouping: [AlertState] = []
        if !raise.isEmpty {
            let reports = raise.map { AlertReport(alert: ScanOverdueAlert.make($0, config: config, now: now), owner: Self.owner, receivedAt: now) }
            let result = try noise.map { try store.apply(BatchWrite(reports: reports), decide: $0.decide) } ?? store.apply(BatchWrite(reports: reports))
            toGrouping += result.changes
            outcome.raised = reports.map(\.alert.fingerprint)
            for o in raise {
                logger.warning("scan overdue", metadata: ["artifact": "\(o.kind) \(o.name)", "environment": "\(o.environment)"])
            }
        }
        for a in firing where wanted[a.fingerprint] == nil {
            let reason = config.overdueAlerts ? "scanned within its schedule, or no longer seen" : "overdue alerts turned off"
            guard let state = try store.update(a.fingerprint, by: "scan", reason: reason, { s in AlertLifecycle.resolve(s, at: now) }) else { continue }
            outcome.resolved.append(a.fingerprint)
            if a.admitted { toGrouping.append(state) }
        }
        return (outcome, toGrouping)
    }
}
