import Foundation

/// Builds replay events from what Klaxon keeps or consumes.
public enum ReplayHistory {
    /// Events from stored alert states (`AlertStore.states`): each alert's current instance is
    /// reported when it was first seen, again when it was last seen (if it was reported more
    /// than once), and resolved when it resolved. Alerts last seen before `since` are left out.
    ///
    /// A state holds one instance per fingerprint with its counters, not every report, so
    /// earlier instances of a regressed alert and the exact times of repeats in between are not
    /// replayed.
    public static func events(from states: [AlertState], since: Date?) -> [ReplayEvent] {
        var events: [ReplayEvent] = []
        for s in states {
            let last = max(s.lastSeenAt, s.resolvedAt ?? s.lastSeenAt)
            if let since, last < since { continue }
            events.append(ReplayEvent(alert: s.alert, at: s.firstSeenAt, kind: .report))
            if s.occurrences > 1 && s.lastSeenAt > s.firstSeenAt {
                events.append(ReplayEvent(alert: s.alert, at: s.lastSeenAt, kind: .report))
            }
            if s.status == .resolved, let r = s.resolvedAt {
                events.append(ReplayEvent(alert: s.alert, at: r, kind: .resolve))
            }
        }
        return ReplayEvent.sorted(events)
    }

    /// Events from decoded messages in consumption order, each at its message time: every
    /// alert is a report, and a report of complete scan scopes resolves the firing findings of
    /// those scopes it no longer has (`ScanScopeResolution`), as ingest does.
    public static func events(from reports: [(report: DecodedReport, at: Date)]) -> [ReplayEvent] {
        var events: [ReplayEvent] = []
        var firing: [Fingerprint: (scope: String, alert: Alert)] = [:]
        for (report, at) in reports {
            let scoped = firing.compactMapValues { $0.scope }
            for fp in ScanScopeResolution.disappeared(firing: scoped, report: report) {
                if let a = firing[fp]?.alert { events.append(ReplayEvent(alert: a, at: at, kind: .resolve)) }
                firing[fp] = nil
            }
            for alert in report.alerts {
                events.append(ReplayEvent(alert: alert, at: at, kind: .report))
                if let scope = alert.scope { firing[alert.fingerprint] = (scope, alert) }
            }
        }
        return ReplayEvent.sorted(events)
    }
}
