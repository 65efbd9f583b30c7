import Foundation
import GRDB
import KlaxonCore

/// One integration that was notified of an alert firing, in one group: where an
/// acknowledgement of the alert must go.
public struct NotifiedTarget: Sendable, Hashable {
    public var receiver: String
    public var integration: String
    public var groupKey: String
    /// The latest notification queued for that integration and group (what it last heard).
    public var last: AlertNotification
}

extension AlertHistory {
    /// Every integration and group that was queued a firing notification of `fp`'s instance
    /// that began at `since` (its `notified` events, joined to their outbox rows), each with the
    /// latest notification queued for that integration and group. Fallback copies are not
    /// included (they are queued without a `notified` event).
    public func notifiedTargets(of fp: Fingerprint, since: Date) throws -> [NotifiedTarget] {
        try database.pool.read { try Self.notifiedTargets($0, of: fp, since: since) }
    }

    static func notifiedTargets(_ db: Database, of fp: Fingerprint, since: Date) throws -> [NotifiedTarget] {
            let lanes = try Row.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT o.receiver, o.integration, o.group_key FROM alert_event e
                    JOIN outbox o ON o.idempotency_key = e.ref
                    WHERE e.fingerprint = ? AND e.kind = 'notified' AND e.at >= ? AND e.reason LIKE 'firing%'
                    ORDER BY o.receiver, o.integration, o.group_key
                    """,
                arguments: [fp.description, since.timeIntervalSince1970])
            return try lanes.compactMap { row -> NotifiedTarget? in
                let receiver: String = row[0]
                let integration: String = row[1]
                let groupKey: String = row[2]
                let latest = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT * FROM outbox WHERE receiver = ? AND integration = ? AND group_key = ? AND fallback_for IS NULL
                        ORDER BY id DESC LIMIT 1
                        """,
                    arguments: [receiver, integration, groupKey])
                guard let last = try Outbox.entries(latest, in: db).first?.notification else { return nil }
                return NotifiedTarget(receiver: receiver, integration: integration, groupKey: groupKey, last: last)
            }
    }
}
