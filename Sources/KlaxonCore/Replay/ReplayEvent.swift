import Foundation

/// One thing that happened to an alert in the history being replayed: a report of it, or its
/// resolution (a later scan no longer had it, or someone resolved it).
public struct ReplayEvent: Sendable, Hashable {
    public enum Kind: Int, Sendable, Hashable, Comparable {
        // Resolutions first at equal times: a scan resolves what it no longer has before its findings count.
        case resolve = 0, report = 1
        public static func < (a: Kind, b: Kind) -> Bool { a.rawValue < b.rawValue }
    }

    /// The alert as decoded (before the replayed config's severity and identity overrides).
    public var alert: Alert
    public var at: Date
    public var kind: Kind

    public init(alert: Alert, at: Date, kind: Kind) {
        self.alert = alert
        self.at = at
        self.kind = kind
    }

    /// Events in replay order: by time, resolutions before reports, then by fingerprint.
    public static func sorted(_ events: [ReplayEvent]) -> [ReplayEvent] {
        events.sorted { ($0.at, $0.kind, $0.alert.fingerprint) < ($1.at, $1.kind, $1.alert.fingerprint) }
    }
}
