import Foundation

/// What grouping needs to know about an alert: identity, labels, and when it started and
/// (if it did) resolved. The shell builds these from `Alert`s and alert state.
public struct GroupedAlert: Sendable, Hashable {
    public var fingerprint: Fingerprint
    public var labels: [String: String]
    public var startsAt: Date
    /// When the alert resolved; nil while it fires.
    public var resolvedAt: Date?

    public init(fingerprint: Fingerprint, labels: [String: String], startsAt: Date, resolvedAt: Date? = nil) {
        self.fingerprint = fingerprint
        self.labels = labels
        self.startsAt = startsAt
        self.resolvedAt = resolvedAt
    }

    public init(labels: [String: String], startsAt: Date, resolvedAt: Date? = nil) {
        self.init(fingerprint: Fingerprint(labels: labels), labels: labels, startsAt: startsAt, resolvedAt: resolvedAt)
    }

    /// Resolved at or before `now`.
    public func isResolved(at now: Date) -> Bool {
        guard let resolvedAt else { return false }
        return resolvedAt <= now
    }
}

extension GroupedAlert {
    /// The grouping view of a normalized alert. `startsAt` defaults to when the condition began
    /// (`occurredAt`), else when it was detected, else `receivedAt`.
    public init(alert: Alert, receivedAt: Date) {
        self.init(fingerprint: alert.fingerprint, labels: alert.labels,
                  startsAt: alert.occurredAt ?? alert.detectedAt ?? receivedAt, resolvedAt: alert.resolvedAt)
    }
}
