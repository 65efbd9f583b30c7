import Foundation

/// What an integration is told after it was notified of an alert firing, when the alert is
/// acknowledged — or, for groups grouping does not own (an escalation tier's), resolved
/// (pure). It repeats the group of the last notification that integration got — same
/// receiver, group key and group labels, so PagerDuty reuses the `dedup_key` and Slack finds
/// the message it posted — with the alert marked `acknowledged` (or `resolved`) and the
/// notification's status the same.
public enum FollowUpNotice {
    /// The notification, keyed per alert instance, status, receiver and group: queueing it
    /// again (a second ack, a replay after a crash) adds nothing to the outbox.
    /// - Parameters:
    ///   - last: the latest notification the integration got for the group.
    ///   - alert: the alert as it is now, with its new status (added when `last` does not list it).
    ///   - instanceStart: when the alert's instance began (its `firstSeenAt`).
    ///   - actor: who acknowledged (`acknowledgedBy`); unused for a resolution.
    public static func make(
        last: AlertNotification, alert: NotifiedAlert, instanceStart: Date, by actor: String, at: Date
    ) -> AlertNotification {
        var alerts = last.alerts
        if let i = alerts.firstIndex(where: { $0.fingerprint == alert.fingerprint }) {
            alerts[i].status = alert.status
            alerts[i].endsAt = alert.endsAt
        } else {
            alerts.append(alert)
        }
        // A group is resolved only when none of its alerts still fires.
        let status: AlertNotification.Status = alert.status == .resolved && alerts.contains { $0.status != .resolved } ? .firing : alert.status
        var n = AlertNotification(
            idempotencyKey: key(alert.fingerprint, status: alert.status, instanceStart: instanceStart, receiver: last.receiver, groupKey: last.groupKey),
            receiver: last.receiver, status: status, groupKey: last.groupKey, groupLabels: last.groupLabels, alerts: alerts)
        if alert.status == .acknowledged {
            n.acknowledgedBy = actor
            n.acknowledgedAt = at
        }
        return n
    }

    /// `<receiver>/ack-<16 hex>` (or `resolve-`): the receiver, then a hash of alert, instance and group.
    public static func key(_ fp: Fingerprint, status: AlertNotification.Status, instanceStart: Date, receiver: String, groupKey: String) -> String {
        let hash = Fingerprint(labels: [
            "alert": fp.description, "status": status.rawValue, "instance": String(Int(instanceStart.timeIntervalSince1970)),
            "receiver": receiver, "group": groupKey,
        ])
        return "\(receiver)/\(status == .acknowledged ? "ack" : status.rawValue)-\(hash)"
    }
}
