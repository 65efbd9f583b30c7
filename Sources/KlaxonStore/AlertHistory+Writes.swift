import Foundation
import GRDB
import KlaxonCore

/// The history rows `AlertStore` writes inside its transactions, and the lifecycle samples
/// they produce (emitted by the store once the transaction commits).
extension AlertHistory {
    /// A new alert's `opened` event (with the noise filter's verdict). It is not a row of
    /// `alert_event`: `AlertStore` stores it on the alert row it inserts (three B-tree inserts
    /// less per new alert, issue #8), and the readers return it among the rows (`openedEvents`).
    static func opened(_ report: AlertReport, _ decision: NoiseDecision) -> AlertEvent {
        AlertEvent(at: report.receivedAt, kind: .opened, actor: report.alert.source ?? "ingest", reason: decision.description)
    }

    /// A report: reopened instances (with the noise filter's verdict; an opened one's event is
    /// on its row), and a held-back instance the filter lets through now. Plain duplicates
    /// write nothing.
    static func reported(
        _ db: Database, _ report: AlertReport, _ state: AlertState, _ transition: AlertTransition, _ decision: NoiseDecision, wasAdmitted: Bool,
        samples: inout [LifecycleSample]
    ) throws {
        let alert = report.alert
        let source = alert.source ?? "ingest"
        switch transition {
        case .opened, .reopened:
            if transition == .reopened {
                try append(db, alert.fingerprint, AlertEvent(at: report.receivedAt, kind: .reopened, actor: source, reason: decision.description))
            }
            if let s = LifecycleSample.of(.detect, alert, from: alert.occurredAt, to: alert.detectedAt ?? report.receivedAt) {
                samples.append(s)
            }
        case .duplicate where decision.notifies && !wasAdmitted:
            try append(db, alert.fingerprint, AlertEvent(at: report.receivedAt, kind: .admitted, actor: "noise filter", reason: decision.description))
        case .resolved:
            try resolved(
                db, alert.fingerprint, alert: wasAdmitted ? alert : nil, firstSeenAt: state.firstSeenAt.timeIntervalSince1970,
                occurrences: state.occurrences, lastSeenAt: state.lastSeenAt.timeIntervalSince1970, at: state.resolvedAt ?? report.receivedAt,
                by: "source", reason: "\(source) reports the finding closed", samples: &samples)
        case .duplicate:
            break
        }
    }

    /// A resolution (by scan, timeout or the source). `alert` is nil when the alert was never
    /// admitted: nobody was told, so it adds no MTTR sample.
    static func resolved(
        _ db: Database, _ fp: Fingerprint, alert: Alert?, firstSeenAt: Double, occurrences: Int, lastSeenAt: Double, at: Date,
        by actor: String, reason: String, samples: inout [LifecycleSample]
    ) throws {
        try append(db, fp, AlertEvent(
            at: at, kind: .resolved, actor: actor, reason: reason, count: occurrences, lastAt: Date(timeIntervalSince1970: lastSeenAt)))
        if let alert, let s = LifecycleSample.of(.resolve, alert, from: alert.detectedAt ?? Date(timeIntervalSince1970: firstSeenAt), to: at) {
            samples.append(s)
        }
    }

    /// A change by hand (`AlertStore.update`): acknowledged or resolved.
    static func changed(
        _ db: Database, from old: AlertState.Status, to next: AlertState, by actor: String, reason: String, admitted: Bool,
        samples: inout [LifecycleSample]
    ) throws {
        guard old != next.status else { return }
        let fp = next.alert.fingerprint
        switch next.status {
        case .acknowledged:
            let at = next.acknowledgedAt ?? next.lastSeenAt
            try append(db, fp, AlertEvent(at: at, kind: .acknowledged, actor: actor, reason: reason))
            if let s = LifecycleSample.of(.acknowledge, next.alert, from: try firstNotified(db, fp, since: next.firstSeenAt), to: at) {
                samples.append(s)
            }
        case .resolved:
            try resolved(
                db, fp, alert: admitted ? next.alert : nil, firstSeenAt: next.firstSeenAt.timeIntervalSince1970,
                occurrences: next.occurrences, lastSeenAt: next.lastSeenAt.timeIntervalSince1970, at: next.resolvedAt ?? next.lastSeenAt,
                by: actor, reason: reason, samples: &samples)
        case .firing:
            break
        }
    }

    /// A queued notification: a `notified` row per alert it records (`q.recorded`, else every
    /// alert), its reason `firing|acknowledged|resolved → receiver/integration`. The first firing
    /// notification of an instance is its `notified_at` (time to notify, and MTTA's start) and
    /// is always recorded, so the SLA pass and acknowledgement routing (`notifiedTargets`) find it.
    static func notified(_ db: Database, _ q: QueuedNotification, at now: Date, samples: inout [LifecycleSample]) throws {
        var firsts: [Fingerprint: Bool] = [:]
        try notified(db, q, at: now, firsts: &firsts, contents: [:], samples: &samples)
    }

    /// `notified(_:_:at:samples:)` for the rows of one flush: `firsts` keeps, across them, which
    /// instances this write notified first (each alert's row is probed once, one UPDATE that
    /// changes nothing after the first notification); `contents` has the alerts' content where
    /// the caller read it (the sample needs severity and source), else the row is read.
    static func notified(
        _ db: Database, _ q: QueuedNotification, at now: Date, firsts: inout [Fingerprint: Bool], contents: [Fingerprint: Alert],
        samples: inout [LifecycleSample]
    ) throws {
        let target = "\(q.notification.receiver)/\(q.integration)"
        let probe = try db.cachedStatement(sql: """
            UPDATE alert SET notified_at = ? WHERE fingerprint = ? AND (notified_at IS NULL OR notified_at < ?)
            """)
        for a in q.notification.alerts {
            var first = false
            if a.status == .firing {
                if let known = firsts[a.fingerprint] {
                    first = known
                } else {
                    try probe.execute(arguments: [now.timeIntervalSince1970, a.fingerprint.description, a.startsAt.timeIntervalSince1970])
                    first = db.changesCount > 0
                    firsts[a.fingerprint] = first
                    if first { try LifecycleChangelog.markPending(a.fingerprint, in: db) }
                    if first, let alert = try contents[a.fingerprint] ?? content(db, a.fingerprint),
                        let s = LifecycleSample.of(.notify, alert, from: alert.occurredAt ?? a.startsAt, to: now)
                    {
                        samples.append(s)
                    }
                }
            }
            guard first || q.recorded?.contains(a.fingerprint) ?? true else { continue }
            try append(db, a.fingerprint, AlertEvent(
                at: now, kind: .notified, actor: q.notification.receiver, reason: "\(a.status.rawValue) → \(target)", ref: q.key))
        }
    }

    /// Another instance notified the alert firing (its group lives there): the first such
    /// notification of the alert's current instance is its `notified_at`, as if sent from here
    /// — marked for the changelog, a `notified` event, a time-to-notify sample. The instance
    /// is named by its start (`instanceStart`, as the group saw it; the command carries
    /// milliseconds), not by comparing clocks: the two hosts' clocks may differ, so the time
    /// is taken no earlier than the instance's start. A notification of an earlier instance
    /// (a reopen overtook the command), or after the first, is left out.
    /// - Returns: whether it was the first.
    static func notifiedElsewhere(
        _ db: Database, _ fp: Fingerprint, instanceStart: Date, receiver: String, target: String, ref: String, at: Date,
        samples: inout [LifecycleSample]
    ) throws -> Bool {
        try db.execute(
            sql: """
                UPDATE alert SET notified_at = MAX(?, first_seen_at) WHERE fingerprint = ? AND ABS(first_seen_at - ?) < 0.002
                  AND (notified_at IS NULL OR notified_at < first_seen_at)
                """, arguments: [at.timeIntervalSince1970, fp.description, instanceStart.timeIntervalSince1970])
        guard db.changesCount > 0 else { return false }
        try LifecycleChangelog.markPending(fp, in: db)
        let notifiedAt = max(at, instanceStart)
        if let alert = try content(db, fp), let s = LifecycleSample.of(.notify, alert, from: alert.occurredAt ?? instanceStart, to: notifiedAt) {
            samples.append(s)
        }
        try append(db, fp, AlertEvent(at: notifiedAt, kind: .notified, actor: receiver, reason: "firing → \(target)", ref: ref))
        return true
    }

    private static func content(_ db: Database, _ fp: Fingerprint) throws -> Alert? {
        try Data.fetchOne(db, sql: "SELECT alert_json FROM alert WHERE fingerprint = ?", arguments: [fp.description]).map(AlertCodec.decode)
    }
}
