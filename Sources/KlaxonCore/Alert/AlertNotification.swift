import Foundation

/// What one receiver is told: a set of alerts that fire or resolved, in the shape of
/// Alertmanager's webhook payload so existing receivers understand it. Klaxon adds a third
/// status, `acknowledged`: someone acknowledged an alert of a group this integration was
/// notified of (`acknowledgedBy`, `acknowledgedAt` say who and when).
public struct AlertNotification: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Codable { case firing, acknowledged, resolved }

    /// Stable per receiver + group + state: a receiver that sees the same key twice (after a
    /// crash and redelivery) can drop the second.
    public var idempotencyKey: String
    public var receiver: String
    public var status: Status
    public var groupKey: String
    public var groupLabels: [String: String]
    public var alerts: [NotifiedAlert]
    /// Set on a copy sent to a `fallback_receiver`: the receiver that could not take it.
    public var fallbackFor: String?
    /// On an `acknowledged` notification: who acknowledged (the API's actor) and when.
    public var acknowledgedBy: String?
    public var acknowledgedAt: Date?

    public init(
        idempotencyKey: String, receiver: String, status: Status, groupKey: String,
        groupLabels: [String: String], alerts: [NotifiedAlert], fallbackFor: String? = nil
    ) {
        self.fallbackFor = fallbackFor
        self.idempotencyKey = idempotencyKey
        self.receiver = receiver
        self.status = status
        self.groupKey = groupKey
        self.groupLabels = groupLabels
        self.alerts = alerts
    }

    /// The copy a fallback receiver gets: same alerts and group, its own receiver name, the
    /// idempotency key suffixed `/fallback` so it never collides with the original.
    public func fallback(to receiver: String) -> AlertNotification {
        var copy = self
        copy.fallbackFor = self.receiver
        copy.receiver = receiver
        copy.idempotencyKey = idempotencyKey + "/fallback"
        return copy
    }

    /// Labels every alert in the notification shares.
    public var commonLabels: [String: String] { Self.common(alerts.map(\.labels)) }
    public var commonAnnotations: [String: String] { Self.common(alerts.map(\.annotations)) }

    private static func common(_ maps: [[String: String]]) -> [String: String] {
        guard var result = maps.first else { return [:] }
        for m in maps.dropFirst() { result = result.filter { m[$0.key] == $0.value } }
        return result
    }
}

/// One alert as notified: its labels and annotations plus times and severity.
public struct NotifiedAlert: Sendable, Hashable, Codable {
    public var status: AlertNotification.Status
    public var fingerprint: Fingerprint
    public var labels: [String: String]
    public var annotations: [String: String]
    public var severity: Severity
    /// When this firing instance started (first seen); Alertmanager's `startsAt`.
    public var startsAt: Date
    /// When it resolved; nil while firing (Alertmanager sends the zero time).
    public var endsAt: Date?
    /// How many times the condition was reported in this instance (dedup count).
    public var occurrences: Int

    public init(
        status: AlertNotification.Status, fingerprint: Fingerprint, labels: [String: String],
        annotations: [String: String], severity: Severity, startsAt: Date, endsAt: Date? = nil, occurrences: Int = 1
    ) {
        self.status = status
        self.fingerprint = fingerprint
        self.labels = labels
        self.annotations = annotations
        self.severity = severity
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.occurrences = occurrences
    }
}
