import Foundation

/// What grouping keeps of an alert: identity and when it started and (if it did) resolved.
/// Labels are not kept: they decide the group at insert and muting at flush, and the shell
/// holds them (in SQLite) — at a million grouped alerts their dictionaries were 1.4 GB (#8).
public struct GroupedAlert: Sendable, Hashable {
    public var fingerprint: Fingerprint
    public var startsAt: Date
    /// When the alert resolved; nil while it fires.
    public var resolvedAt: Date?

    public init(fingerprint: Fingerprint, startsAt: Date, resolvedAt: Date? = nil) {
        self.fingerprint = fingerprint
        self.startsAt = startsAt
        self.resolvedAt = resolvedAt
    }

    /// The grouped alert whose fingerprint is that of `labels`.
    public init(labels: [String: String], startsAt: Date, resolvedAt: Date? = nil) {
        self.init(fingerprint: Fingerprint(labels: labels), startsAt: startsAt, resolvedAt: resolvedAt)
    }

    /// Resolved at or before `now`.
    public func isResolved(at now: Date) -> Bool {
        guard let resolvedAt else { return false }
        return resolvedAt <= now
    }
}
