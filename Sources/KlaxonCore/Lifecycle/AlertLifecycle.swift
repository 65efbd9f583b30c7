import Foundation

/// The state Klaxon keeps per fingerprint, and the pure rule for what a new report does to it.
public struct AlertState: Sendable, Hashable {
    public enum Status: String, Sendable, Codable, CaseIterable { case firing, acknowledged, resolved }

    public var alert: Alert
    public var status: Status
    /// Start of the current firing instance (first report after creation or reopening).
    public var firstSeenAt: Date
    public var lastSeenAt: Date
    /// Reports in the current instance.
    public var occurrences: Int
    /// How many times this fingerprint came back after resolving.
    public var regressions: Int
    /// When someone acknowledged the current instance (MTTA = acknowledged − notified).
    public var acknowledgedAt: Date?
    public var resolvedAt: Date?

    public init(
        alert: Alert, status: Status, firstSeenAt: Date, lastSeenAt: Date, occurrences: Int,
        regressions: Int = 0, acknowledgedAt: Date? = nil, resolvedAt: Date? = nil
    ) {
        self.acknowledgedAt = acknowledgedAt
        self.alert = alert
        self.status = status
        self.firstSeenAt = firstSeenAt
        self.lastSeenAt = lastSeenAt
        self.occurrences = occurrences
        self.regressions = regressions
        self.resolvedAt = resolvedAt
    }
}

/// What a report did to an alert's state.
public enum AlertTransition: String, Sendable, Hashable {
    /// First time this fingerprint was seen: notify.
    case opened
    /// Seen again after it resolved: a regression, notify as a new instance.
    case reopened
    /// Seen again while firing or acknowledged: update counters, notify nobody.
    case duplicate
    /// The condition is over (a later scan no longer reports it, or someone resolved it).
    case resolved

    /// Whether the alert's group must hear about it.
    public var notifies: Bool { self != .duplicate }
}

public enum AlertLifecycle {
    /// Applies one report of `alert`, received at `now`, to the existing state (if any).
    /// A report the source itself marks as over (`alert.resolvedAt`: an archived GuardDuty
    /// finding, a closed Inspector finding) resolves an open alert; with nothing open it is
    /// kept as a resolved record and notifies nobody.
    public static func report(_ alert: Alert, existing: AlertState?, now: Date) -> (AlertState, AlertTransition) {
        if let end = alert.resolvedAt { return reportResolved(alert, existing: existing, at: end, now: now) }
        guard var state = existing else {
            return (AlertState(alert: alert, status: .firing, firstSeenAt: now, lastSeenAt: now, occurrences: 1), .opened)
        }
        if state.status == .resolved {
            state = AlertState(
                alert: alert, status: .firing, firstSeenAt: now, lastSeenAt: now, occurrences: 1,
                regressions: state.regressions + 1)
            return (state, .reopened)
        }
        state.alert = alert
        state.lastSeenAt = now
        state.occurrences += 1
        return (state, .duplicate)
    }

    private static func reportResolved(_ alert: Alert, existing: AlertState?, at end: Date, now: Date) -> (AlertState, AlertTransition) {
        guard var state = existing else {
            return (AlertState(alert: alert, status: .resolved, firstSeenAt: now, lastSeenAt: now, occurrences: 1, resolvedAt: end), .duplicate)
        }
        let wasOpen = state.status != .resolved
        state.alert = alert
        state.lastSeenAt = now
        state.occurrences += 1
        guard wasOpen else { return (state, .duplicate) }
        state.status = .resolved
        state.resolvedAt = max(end, state.firstSeenAt)
        return (state, .resolved)
    }

    /// Acknowledges a firing alert at `now`; nil unless it is firing.
    public static func acknowledge(_ existing: AlertState, at now: Date) -> AlertState? {
        guard existing.status == .firing else { return nil }
        var state = existing
        state.status = .acknowledged
        state.acknowledgedAt = now
        return state
    }

    /// Resolves a firing or acknowledged alert at `now`; nil when it is already resolved.
    public static func resolve(_ existing: AlertState, at now: Date) -> AlertState? {
        guard existing.status != .resolved else { return nil }
        var state = existing
        state.status = .resolved
        state.resolvedAt = now
        return state
    }
}
