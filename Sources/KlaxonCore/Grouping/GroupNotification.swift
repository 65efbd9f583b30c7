import Foundation

/// One notification a flush decided to send: a group's alerts for its receiver at `at`.
public struct GroupNotification: Sendable, Hashable {
    /// Why it was sent.
    public enum Reason: String, Sendable, Hashable {
        /// First notification of the group (after `group_wait`).
        case initial
        /// New firing alerts, or (with `send_resolved`) new resolved ones, since the last one.
        case changed
        /// Nothing changed and `repeat_interval` has passed.
        case repeated
        /// Every alert previously notified has resolved.
        case allResolved
    }

    public var groupKey: GroupKey
    public var receiver: String
    /// The route's unique ID (`Route.id`).
    public var routeID: String
    public var groupLabels: [String: String]
    /// Firing, unmuted alerts, by fingerprint.
    public var firing: [GroupedAlert]
    /// Resolved alerts (empty unless the receiver sends resolved notifications).
    public var resolved: [GroupedAlert]
    /// The flush time (virtual; the deadline that fired).
    public var at: Date
    public var reason: Reason
    /// Alerts this notification is the first to carry in their status since the group's last
    /// notification to the receiver (every alert of a first one): the alerts whose history
    /// records it. A re-flush of a big group repeats its other alerts unchanged (#8).
    public var newAlerts: Set<Fingerprint> = []
}

extension GroupNotification {
    /// The notification-log key of a group and receiver.
    public static func logKey(group: GroupKey, receiver: String) -> String { group.value + "\u{0}" + receiver }

    /// Alerts carried (firing and resolved).
    public var alertCount: Int { firing.count + resolved.count }

    public var logKey: String { Self.logKey(group: groupKey, receiver: receiver) }

    /// Stable per receiver + group + state (which alerts fire, which resolved): a redelivery of
    /// the same notification after a crash carries the same key; 16 hex digits. A `.repeated`
    /// notification has the same state as the one it repeats, so the same key: a sink that must
    /// not drop reminders should add `at` (or the repeat count) to it.
    public var idempotencyKey: String {
        let firingIDs = firing.map(\.fingerprint.description).sorted().joined(separator: ",")
        let resolvedIDs = resolved.map(\.fingerprint.description).sorted().joined(separator: ",")
        return Fingerprint(labels: ["receiver": receiver, "group": groupKey.value,
                                    "firing": firingIDs, "resolved": resolvedIDs]).description
    }
}
