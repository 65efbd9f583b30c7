import Foundation
import GRDB
import KlaxonCore

/// Which integrations take acknowledgements, per receiver (the wiring knows: an integration
/// that sends resolved notifications on a channel that can express an acknowledgement).
public struct AcknowledgementRouting: Sendable, Hashable {
    /// Integration names (`webhook[0]`) per receiver name.
    public var integrations: [String: Set<String>]

    public init(integrations: [String: Set<String>]) { self.integrations = integrations }

    public func accepts(receiver: String, integration: String) -> Bool {
        integrations[receiver]?.contains(integration) ?? false
    }
}

extension AlertStore {
    /// Queues, in the caller's transaction, one acknowledgement per integration and group that
    /// was notified of `state`'s alert firing (`AcknowledgementNotice`), each also a `notified`
    /// history event. Keys are fixed per alert instance, receiver, group and integration, so
    /// queueing again adds nothing.
    static func queueAcknowledgements(
        _ db: Database, _ state: AlertState, by actor: String, routing: AcknowledgementRouting, at now: Date = Date(),
        samples: inout [LifecycleSample]
    ) throws {
        let a = state.alert
        let alert = NotifiedAlert(
            status: .acknowledged, fingerprint: a.fingerprint, labels: a.labels, annotations: a.annotations, severity: a.severity,
            startsAt: state.firstSeenAt, occurrences: state.occurrences)
        let queued = try AlertHistory.notifiedTargets(db, of: a.fingerprint, since: state.firstSeenAt).compactMap { t -> QueuedNotification? in
            guard routing.accepts(receiver: t.receiver, integration: t.integration) else { return nil }
            let n = AcknowledgementNotice.make(
                last: t.last, alert: alert, instanceStart: state.firstSeenAt, by: actor, at: state.acknowledgedAt ?? now)
            return QueuedNotification(notification: n, integration: t.integration, key: "\(n.idempotencyKey)/\(t.integration)")
        }
        try Outbox.enqueue(queued, at: now, in: db) { q in try AlertHistory.notified(db, q, at: now, samples: &samples) }
    }
}
