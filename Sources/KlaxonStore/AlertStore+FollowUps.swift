import Foundation
import GRDB
import KlaxonCore

/// Which integrations take follow-ups, per receiver (the wiring knows which channels can
/// express an acknowledgement and which send resolved notifications).
public struct FollowUpRouting: Sendable, Hashable {
    /// Integration names (`webhook[0]`) per receiver name that take acknowledgements.
    public var acknowledgements: [String: Set<String>]
    /// Integration names per receiver name that take resolved notifications (`send_resolved`).
    public var resolutions: [String: Set<String>]

    public init(acknowledgements: [String: Set<String>], resolutions: [String: Set<String>]) {
        self.acknowledgements = acknowledgements
        self.resolutions = resolutions
    }

    func accepts(_ status: AlertNotification.Status, receiver: String, integration: String) -> Bool {
        switch status {
        case .acknowledged: acknowledgements[receiver]?.contains(integration) ?? false
        case .resolved: resolutions[receiver]?.contains(integration) ?? false
        case .firing: false
        }
    }
}

extension AlertStore {
    /// Queues escalation tiers' resolved notifications for alerts that resolved: grouping sends
    /// the routes' groups theirs, but an escalation step's group (`escalation:POLICY:FP`) is
    /// not grouping's, so the incident a tier opened would stay open. One row per integration
    /// that was notified by an escalation step and sends resolved notifications; keys fixed per
    /// alert instance, so calling again (after a restart) adds nothing.
    /// - Returns: rows added.
    @discardableResult
    public func queueEscalationResolutions(_ states: [AlertState], routing: FollowUpRouting, at now: Date = Date()) throws -> Int {
        let resolved = states.filter { $0.status == .resolved }
        guard !resolved.isEmpty else { return 0 }
        var samples: [LifecycleSample] = []
        let added = try database.pool.write { db in
            var added = 0
            for state in resolved {
                added += try Self.queueFollowUps(
                    db, state, status: .resolved, by: "", routing: routing, at: now, samples: &samples) { $0.hasPrefix("escalation:") }
            }
            return added
        }
        LifecycleMetrics.emit(samples)
        return added
    }

    /// Queues the acknowledgement follow-ups of an alert another instance owns, for the groups
    /// this instance notified (its group owner: issue #14, step 4); escalation steps are the
    /// alert owner's. Keys fixed per alert instance, so hearing it again adds nothing.
    /// - Returns: rows added.
    @discardableResult
    public func queueAcknowledgementFollowUps(_ state: AlertState, by actor: String, routing: FollowUpRouting, at now: Date = Date()) throws -> Int {
        guard state.status == .acknowledged else { return 0 }
        var samples: [LifecycleSample] = []
        let added = try database.pool.write { db in
            try Self.queueFollowUps(db, state, status: .acknowledged, by: actor, routing: routing, at: now, samples: &samples) {
                !$0.hasPrefix("escalation:")
            }
        }
        LifecycleMetrics.emit(samples)
        return added
    }

    /// Queues, in the caller's transaction, one follow-up (`FollowUpNotice`) per integration
    /// and group that was notified of `state`'s alert firing, each also a `notified` history
    /// event. `groups` narrows the groups (by key).
    static func queueFollowUps(
        _ db: Database, _ state: AlertState, status: AlertNotification.Status, by actor: String, routing: FollowUpRouting,
        at now: Date = Date(), samples: inout [LifecycleSample], groups: (String) -> Bool = { _ in true }
    ) throws -> Int {
        let a = state.alert
        let alert = NotifiedAlert(
            status: status, fingerprint: a.fingerprint, labels: a.labels, annotations: a.annotations, severity: a.severity,
            startsAt: state.firstSeenAt, endsAt: status == .resolved ? state.resolvedAt ?? now : nil, occurrences: state.occurrences)
        let queued = try AlertHistory.notifiedTargets(db, of: a.fingerprint, since: state.firstSeenAt).compactMap { t -> QueuedNotification? in
            guard groups(t.groupKey), routing.accepts(status, receiver: t.receiver, integration: t.integration) else { return nil }
            let n = FollowUpNotice.make(last: t.last, alert: alert, instanceStart: state.firstSeenAt, by: actor, at: state.acknowledgedAt ?? now)
            return QueuedNotification(notification: n, integration: t.integration, key: "\(n.idempotencyKey)/\(t.integration)")
        }
        return try Outbox.enqueue(queued, at: now, in: db) { q in try AlertHistory.notified(db, q, at: now, samples: &samples) }
    }
}
