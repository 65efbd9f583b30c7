import Foundation

/// The acknowledgement an integration gets when someone acknowledges an alert it was notified
/// of (pure). It repeats the group of the last notification that integration got — same
/// receiver, group key and group labels, so PagerDuty reuses the `dedup_key` and Slack finds
/// the message it posted — with the acknowledged alert marked `acknowledged` and the
/// notification's status `acknowledged`.
public enum AcknowledgementNotice {
    /// The notification, keyed per alert instance, receiver and group: acknowledging the same
    /// instance again (or queueing it again after a crash) adds nothing to the outbox.
    /// - Parameters:
    ///   - last: the latest notification the integration got for the group.
    ///   - alert: the acknowledged alert as it is now (added when `last` does not list it).
    ///   - instanceStart: when the acknowledged instance began (its `firstSeenAt`).
    public static func make(
        last: AlertNotification, alert: NotifiedAlert, instanceStart: Date, by actor: String, at: Date
    ) -> AlertNotification {
        var alerts = last.alerts
        if let i = alerts.firstIndex(where: { $0.fingerprint == alert.fingerprint }) {
            alerts[i].status = .acknowledged
        } else {
            var a = alert
            a.status = .acknowledged
            alerts.append(a)
        }
        var n = AlertNotification(
            idempotencyKey: key(alert.fingerprint, instanceStart: instanceStart, receiver: last.receiver, groupKey: last.groupKey),
            receiver: last.receiver, status: .acknowledged, groupKey: last.groupKey, groupLabels: last.groupLabels, alerts: alerts)
        n.acknowledgedBy = actor
        n.acknowledgedAt = at
        return n
    }

    /// `<receiver>/ack-<16 hex>`: the receiver, then a hash of alert, instance and group.
    public static func key(_ fp: Fingerprint, instanceStart: Date, receiver: String, groupKey: String) -> String {
        let hash = Fingerprint(labels: [
            "ack": fp.description, "instance": String(Int(instanceStart.timeIntervalSince1970)), "receiver": receiver, "group": groupKey,
        ])
        return "\(receiver)/ack-\(hash)"
    }
}
