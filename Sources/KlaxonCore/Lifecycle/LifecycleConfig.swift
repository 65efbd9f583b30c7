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

    /// Sources whose alerts resolve by their next complete scan, their source's own state, or
    /// Klaxon's coverage (`ScanOverdue`): a route's `resolve_timeout` never applies to them.
    public static let neverTimesOut: Set<String> = ["trivy", "grype", "sarif", "ecr", "inspector2", "securityhub", "klaxon"]

    /// How long an unresolved alert reported by `sources` stays open without a report, or nil
    /// when it never times out. The `resolve_timeout` of the route that routes it (`route`:
    /// the first matching route that has one, inherited from its nearest ancestor that sets
    /// one) wins when no source is in `neverTimesOut`; otherwise every source must have a
    /// per-source timeout, and the longest applies.
    public func resolveTimeout(sources: [String], route: Duration? = nil) -> Duration? {
        guard !sources.isEmpty else { return nil }
        if let route, Self.routeTimeoutApplies(to: sources) { return route }
        var longest = Duration.zero
        for s in sources {
            guard let t = resolveTimeouts[s] else { return nil }
            longest = max(longest, t)
        }
        return longest
    }

    /// When an unresolved alert resolves by itself, and why, or nil when it does not. An end its
    /// source announced (`expiresAfter`: Alertmanager's `endsAt`) wins over any configured
    /// timeout, as in Alertmanager, and the alert resolves at that end; otherwise it resolves
    /// when a pass finds `resolveTimeout(sources:route:)` passed.
    public func expiry(sources: [String], lastSeenAt: Date, expiresAfter: Double?, route: Duration? = nil) -> Expiry? {
        if let expiresAfter { return Expiry(at: lastSeenAt.addingTimeInterval(expiresAfter), resolvesAtExpiry: true, after: .seconds(expiresAfter)) }
        guard let timeout = resolveTimeout(sources: sources, route: route) else { return nil }
        return Expiry(at: lastSeenAt.addingTimeInterval(timeout.seconds), resolvesAtExpiry: false, after: timeout)
    }

    /// Whether a route's `resolve_timeout` can apply to an alert reported by `sources`: some
    /// source reported it and none is in `neverTimesOut`.
    public static func routeTimeoutApplies(to sources: [String]) -> Bool {
        !sources.isEmpty && !sources.contains(where: neverTimesOut.contains)
    }

    /// Whether `expiry(...)` could resolve the alert at `now` under any route, knowing only the
    /// shortest `resolve_timeout` a route sets (`shortestRoute`, nil: none). False rules it out,
    /// so a lifecycle pass holds only the alerts this lets through, not every open one (#8).
    public func mayHaveExpired(sources: [String], lastSeenAt: Date, expiresAfter: Double?, shortestRoute: Duration?, now: Date) -> Bool {
        if let expiresAfter { return now >= lastSeenAt.addingTimeInterval(expiresAfter) }
        // A route's timeout applies only when no source is exempt, and then the alert's own
        // route may set none: its sources' timeout is the other bound.
        var earliest = resolveTimeout(sources: sources)
        if let shortestRoute, Self.routeTimeoutApplies(to: sources) {
            earliest = min(earliest ?? shortestRoute, shortestRoute)
        }
        guard let earliest else { return false }
        return now >= lastSeenAt.addingTimeInterval(earliest.seconds)
    }

    /// See `expiry(sources:lastSeenAt:expiresAfter:route:)`.
    public struct Expiry: Sendable, Hashable {
        /// The alert times out at or after this time.
        public var at: Date
        /// The source announced the end: the alert is resolved as of `at`, not of the pass.
        public var resolvesAtExpiry: Bool
        /// How long after its last report.
        public var after: Duration

        /// The resolution time for a pass at `now`, or nil when not yet timed out.
        public func resolution(now: Date) -> Date? {
            guard now >= at else { return nil }
            return resolvesAtExpiry ? at : now
        }
    }
}
