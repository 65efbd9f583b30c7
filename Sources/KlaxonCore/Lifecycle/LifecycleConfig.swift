import Foundation

/// `lifecycle:` in the service config: when runtime alerts resolve by themselves, and the
/// SLAs alerts are held to.
///
/// ```yaml
/// lifecycle:
///   resolve_timeout:        # per source; default falco: 30m, guardduty: 30m
///     falco: 30m
///     guardduty: 2h
///   sla:
///     preset: operations    # or application; default operations
///     critical: {acknowledge: 10m}   # overrides the preset, per severity
/// ```
public struct LifecycleConfig: Sendable, Hashable {
    /// Alerts from these sources resolve when no report came for this long. Default: falco
    /// and guardduty, 30 minutes. Sources not listed (scanners) never time out.
    public var resolveTimeouts: [String: Duration]
    /// Default `SLAPolicy.operations`.
    public var sla: SLAPolicy

    public static let defaultResolveTimeouts: [String: Duration] = ["falco": .seconds(1800), "guardduty": .seconds(1800)]

    public init(resolveTimeouts: [String: Duration] = Self.defaultResolveTimeouts, sla: SLAPolicy = .operations) {
        self.resolveTimeouts = resolveTimeouts
        self.sla = sla
    }

    /// Whether an unresolved alert last reported at `lastSeenAt` by `sources` has timed out at
    /// `now`: every source must have a timeout (a scanner's finding waits for its next scan),
    /// and the longest of them must have passed.
    public func isTimedOut(sources: [String], lastSeenAt: Date, now: Date) -> Bool {
        guard !sources.isEmpty else { return false }
        var longest = Duration.zero
        for s in sources {
            guard let t = resolveTimeouts[s] else { return false }
            longest = max(longest, t)
        }
        return now >= lastSeenAt.addingTimeInterval(longest.seconds)
    }
}
