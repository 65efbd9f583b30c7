import Foundation
import KlaxonCore

/// What one batch does to alert state, decided in memory before anything is written: every
/// report through the lifecycle rule and the noise filter, against the index as of the batch
/// start plus the batch's own earlier reports; then complete scans against the same view.
/// `AlertStore` writes it in one transaction and updates the index after the commit.
struct BatchPlan {
    struct Report {
        var report: AlertReport
        var state: AlertState
        var transition: AlertTransition
        var decision: NoiseDecision
        var wasAdmitted: Bool
        var admitted: Bool
        var sources: SourceSet
        /// The verdict to record on the row (nil: keep the last one; duplicates record none).
        var record: String?
        /// A plain duplicate: counters only (a touch row), no rewrite of the alert row.
        var touchOnly: Bool
        var isNew: Bool
    }

    /// An unresolved alert a complete scan no longer reports.
    struct Resolution {
        var fingerprint: Fingerprint
        var scan: ScanReport
        var before: HotEntry
        var after: HotEntry
    }

    var reports: [Report] = []
    var resolutions: [Resolution] = []
    /// The index entries after the batch, applied once the transaction commits.
    var updated: [Fingerprint: HotEntry] = [:]

    /// Decides `batch`. Interns new scopes in `index` (ids only; entries are not changed).
    static func make(_ batch: BatchWrite, index: inout HotIndex, decide: NoiseDecider) -> BatchPlan {
        var plan = BatchPlan()
        var batchScoped: [Int32: [Fingerprint]] = [:]
        plan.reports.reserveCapacity(batch.reports.count)
        for report in batch.reports {
            let fp = report.alert.fingerprint
            let entry = plan.updated[fp] ?? index[fp]
            var alert = report.alert
            let scope: Int32
            if let s = alert.scope {
                scope = index.scopeID(s)
            } else if let kept = entry?.scope, kept >= 0 {
                // A report that covers no scope (an AWS listing, a runtime event) leaves the
                // alert in the scope whose complete scans resolve it.
                scope = kept
                alert.scope = index.scopeName(kept)
            } else {
                scope = -1
            }
            let (state, transition) = AlertLifecycle.report(alert, existing: entry?.state(alert: alert), now: report.receivedAt)
            let wasAdmitted = transition != .opened && transition != .reopened && (entry?.admitted ?? false)
            // A resolution the source reports reaches grouping only if the alert was admitted.
            let decision = transition == .resolved
                ? (wasAdmitted ? .notify(transition: .resolved, threshold: nil) : .suppressed(.duplicate, .duplicate))
                : decide(alert, transition, wasAdmitted, report.receivedAt)
            let admitted = wasAdmitted || decision.notifies
            var sources = entry?.sources ?? SourceSet()
            sources.bits |= SourceSet(alert.source).bits
            let record = decision.reason == .duplicate ? nil : decision.description
            let touchOnly = transition == .duplicate && entry != nil && admitted == entry?.admitted && record == nil
            plan.reports.append(Report(
                report: report, state: state, transition: transition, decision: decision, wasAdmitted: wasAdmitted,
                admitted: admitted, sources: sources, record: record, touchOnly: touchOnly, isNew: entry == nil))
            plan.updated[fp] = HotEntry(state, sources: sources, admitted: admitted, scope: scope)
            if scope >= 0 { batchScoped[scope, default: []].append(fp) }
        }
        // Complete scans: what the index lists as unresolved in a scope, plus what this batch
        // opened in it, minus what the scan reports, resolves.
        for scan in batch.scans where !scan.scopes.isEmpty {
            var gone: Set<Fingerprint> = []
            for scope in scan.scopes {
                gone.formUnion(index.unresolved(inScope: scope))
                guard let id = index.existingScopeID(scope) else { continue }
                for fp in batchScoped[id] ?? [] where plan.updated[fp]?.status != .resolved { gone.insert(fp) }
            }
            gone.subtract(scan.present)
            for fp in gone.sorted() where scan.covers(fp) {
                guard let entry = plan.updated[fp] ?? index[fp], entry.status != .resolved else { continue }
                var resolved = entry
                resolved.status = .resolved
                resolved.resolvedAt = scan.at.timeIntervalSince1970
                plan.updated[fp] = resolved
                plan.resolutions.append(Resolution(fingerprint: fp, scan: scan, before: entry, after: resolved))
            }
        }
        return plan
    }
}
