import Foundation
import GRDB
import KlaxonCore

extension AlertHistory {
    /// The firing instances opened in `since..<until`, rebuilt from the history: each opened or
    /// reopened event starts one, later events of the same fingerprint fill its times. Labels
    /// and source times come from the alert's current content; false positives from the marks.
    public func incidents(since: Date, until: Date) throws -> [IncidentRecord] {
        try database.pool.read { db in
            // `opened` events are on alert rows since v17 (id 0: first of their time), earlier
            // ones in `alert_event`.
            let (from, to) = (since.timeIntervalSince1970, until.timeIntervalSince1970)
            let rows = try Row.fetchAll(
                db,
                sql: """
                    WITH opened(fingerprint) AS (
                        SELECT fingerprint FROM alert_event WHERE kind IN ('opened', 'reopened') AND at >= ? AND at < ?
                        UNION SELECT fingerprint FROM alert WHERE opened_at >= ? AND opened_at < ?)
                    SELECT e.fingerprint, e.at, e.kind, e.reason, e.id FROM alert_event e
                    WHERE e.fingerprint IN opened AND e.at >= ?
                    UNION ALL
                    SELECT a.fingerprint, a.opened_at, 'opened', a.opened_reason, 0 FROM alert a
                    WHERE a.fingerprint IN opened AND a.opened_at >= ?
                    ORDER BY 1, 2, 5
                    """,
                arguments: [from, to, from, to, from, from])
            let falsePositives = Set(try String.fetchAll(db, sql: "SELECT fingerprint FROM false_positive"))
            var contents: [String: Alert] = [:]
            var records: [IncidentRecord] = []
            var current: IncidentRecord?
            var currentFP = ""
            func close() { if let c = current { records.append(c) }; current = nil }
            for row in rows {
                let fpText: String = row[0]
                let at = Date(timeIntervalSince1970: row[1])
                let kind = AlertEvent.Kind(rawValue: row[2])
                let reason: String = row[3]
                if fpText != currentFP { close(); currentFP = fpText }
                switch kind {
                case .opened?, .reopened?:
                    close()
                    guard at < until, let fp = Fingerprint(hex: fpText) else { continue }
                    if contents[fpText] == nil, let blob = try Data.fetchOne(
                        db, sql: "SELECT alert_json FROM alert WHERE fingerprint = ?", arguments: [fpText])
                    {
                        contents[fpText] = try AlertCodec.decode(blob)
                    }
                    let alert = contents[fpText]
                    var labels = alert?.labels ?? [:]
                    if let a = alert { labels["severity"] = a.severity.name }
                    current = IncidentRecord(
                        fingerprint: fp, labels: labels, occurredAt: alert?.occurredAt, detectedAt: min(alert?.detectedAt ?? at, at),
                        falsePositive: falsePositives.contains(fpText))
                case .notified? where reason.hasPrefix("firing"):
                    if current?.notifiedAt == nil { current?.notifiedAt = at }
                case .acknowledged?:
                    if current?.acknowledgedAt == nil { current?.acknowledgedAt = at }
                case .resolved?:
                    current?.resolvedAt = at
                    close()
                case .slaBreached?:
                    if let k = SLAKind(rawValue: String(reason.prefix { $0 != ":" })) { current?.slaBreaches.insert(k) }
                default:
                    break
                }
            }
            close()
            return records
        }
    }
}
