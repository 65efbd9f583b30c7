import Foundation

extension Route {
    /// The routes an alert with these labels goes to, in Alertmanager's order: depth first,
    /// the first matching sibling wins unless it has `continue: true`; a node none of whose
    /// children match is itself the match. Empty when this node does not match.
    ///
    /// `severity` is used only by `min_severity`; when nil it is read from the `severity`
    /// label (see `Route.severityLevel(label:)`).
    public func match(_ labels: [String: String], severity: Severity.Level? = nil) -> [Route] {
        var out: [Route] = []
        var resolved = severity
        _ = collect(labels, severity: &resolved, into: &out)
        return out
    }

    /// Receiver names for an alert, in route order (duplicates kept, as `amtool` prints them).
    public func receivers(for labels: [String: String], severity: Severity.Level? = nil) -> [String] {
        match(labels, severity: severity).map(\.receiver)
    }

    /// Whether this node itself (not its children) accepts the alert.
    @inline(__always)
    func admits(_ labels: [String: String], severity: inout Severity.Level?) -> Bool {
        guard matchers.matches(labels) else { return false }
        if let minSeverity {
            if severity == nil { severity = Route.severityLevel(label: labels["severity"]) }
            return severity! >= minSeverity
        }
        return true
    }

    private func collect(_ labels: [String: String], severity: inout Severity.Level?, into out: inout [Route]) -> Bool {
        guard admits(labels, severity: &severity) else { return false }
        let before = out.count
        for child in routes {
            let matched = child.collect(labels, severity: &severity, into: &out)
            if matched && !child.continue { break }
        }
        if out.count == before { out.append(self) }
        return true
    }

    /// The severity level named by a `severity` label: Klaxon's names (`low`, `high`, …), plus
    /// Prometheus habits `warning` → medium, `error` → high, `page` → critical; else unknown.
    public static func severityLevel(label: String?) -> Severity.Level {
        guard let label else { return .unknown }
        if let level = Severity.Level(name: label) { return level }
        switch label.lowercased() {
        case "warning", "warn": return .medium
        case "error": return .high
        case "page": return .critical
        default: return .unknown
        }
    }

    /// Every node of the tree, depth first (this node first).
    public var allRoutes: [Route] {
        var out: [Route] = [self]
        for r in routes { out += r.allRoutes }
        return out
    }

    /// Whether notifications from this node are muted at `now`: inside any of its mute
    /// intervals, or outside all of its active intervals (when it has some). Unknown names
    /// (already refused by the loader) count as not containing `now`.
    public func isMuted(at now: Date, intervals: [String: NamedTimeInterval]) -> Bool {
        for name in muteTimeIntervals where intervals[name]?.contains(now) == true { return true }
        if !activeTimeIntervals.isEmpty {
            return !activeTimeIntervals.contains { intervals[$0]?.contains(now) == true }
        }
        return false
    }
}

