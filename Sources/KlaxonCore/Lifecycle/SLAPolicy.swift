import Foundation

/// Response-time targets per severity: how long an alert may wait for an acknowledgement
/// (from its first notification) and for its resolution (from detection).
public struct SLAPolicy: Sendable, Hashable {
    public struct Target: Sendable, Hashable {
        public var acknowledge: Duration?
        public var resolve: Duration?

        public init(acknowledge: Duration? = nil, resolve: Duration? = nil) {
            self.acknowledge = acknowledge
            self.resolve = resolve
        }

        public func limit(_ kind: SLAKind) -> Duration? { kind == .acknowledge ? acknowledge : resolve }
    }

    public var targets: [Severity.Level: Target]

    public init(targets: [Severity.Level: Target]) { self.targets = targets }

    /// The default, from the ops guide's response times: critical acknowledged within 15 m
    /// ("immediate action"); high resolved within 24 h; medium within 7 d; low within 30 d
    /// (the maintenance window of a monthly cycle). Fatal counts as critical.
    public static let operations = SLAPolicy(targets: [
        .fatal: Target(acknowledge: .seconds(15 * 60)),
        .critical: Target(acknowledge: .seconds(15 * 60)),
        .high: Target(resolve: .seconds(24 * 3600)),
        .medium: Target(resolve: .seconds(7 * 86_400)),
        .low: Target(resolve: .seconds(30 * 86_400)),
    ])

    /// `preset: application`, from the application guide's fix deadlines: critical fixed at
    /// once (acknowledged within 15 m, resolved within 24 h), high within 7 d, medium within
    /// 30 d, low monitored without a deadline.
    public static let application = SLAPolicy(targets: [
        .fatal: Target(acknowledge: .seconds(15 * 60), resolve: .seconds(24 * 3600)),
        .critical: Target(acknowledge: .seconds(15 * 60), resolve: .seconds(24 * 3600)),
        .high: Target(resolve: .seconds(7 * 86_400)),
        .medium: Target(resolve: .seconds(30 * 86_400)),
    ])

    /// The SLAs an open alert has broken by `now` and that are not recorded yet. The
    /// acknowledge clock starts at the first notification (an alert nobody was told about
    /// cannot be acknowledged late) and stops at the acknowledgement; the resolve clock
    /// starts at detection.
    public func breaches(_ a: OpenAlert, now: Date) -> [SLAKind] {
        guard let target = targets[a.severity] else { return [] }
        var result: [SLAKind] = []
        if let limit = target.acknowledge, !a.breached.contains(.acknowledge), a.acknowledgedAt == nil, let from = a.notifiedAt,
            now >= from.addingTimeInterval(limit.seconds)
        {
            result.append(.acknowledge)
        }
        if let limit = target.resolve, !a.breached.contains(.resolve), now >= a.detectedAt.addingTimeInterval(limit.seconds) {
            result.append(.resolve)
        }
        return result
    }
}

/// What SLA checks need to know of an unresolved alert.
public struct OpenAlert: Sendable, Hashable {
    public var fingerprint: Fingerprint
    public var severity: Severity.Level
    public var source: String
    /// Start of the resolve clock (the source's detection time, else the first report).
    public var detectedAt: Date
    public var notifiedAt: Date?
    public var acknowledgedAt: Date?
    /// SLAs already recorded as breached for this instance.
    public var breached: Set<SLAKind>

    public init(
        fingerprint: Fingerprint, severity: Severity.Level, source: String, detectedAt: Date, notifiedAt: Date?, acknowledgedAt: Date?,
        breached: Set<SLAKind>
    ) {
        self.fingerprint = fingerprint
        self.severity = severity
        self.source = source
        self.detectedAt = detectedAt
        self.notifiedAt = notifiedAt
        self.acknowledgedAt = acknowledgedAt
        self.breached = breached
    }
}
