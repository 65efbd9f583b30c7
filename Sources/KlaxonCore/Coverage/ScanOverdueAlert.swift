import Foundation

/// The `ScanOverdue` alert of an overdue artifact: an ordinary alert (source `klaxon`, category
/// `compliance`) that routes, groups and notifies like any other. Its fingerprint is its
/// artifact (kind, name, environment), so the same artifact raises and resolves the same alert.
public enum ScanOverdueAlert {
    public static let name = "ScanOverdue"
    /// The source of Klaxon's own alerts. Each instance raises them from what it saw, so they
    /// belong to no `klaxon.alerts` partition: every instance keeps, groups, lists and counts its own.
    public static let source = "klaxon"

    public static func make(_ o: CoverageEvaluation.Overdue, config: CoverageConfig, now: Date) -> Alert {
        let identity = identity(kind: o.kind, name: o.name, environment: o.environment)
        var labels = identity
        labels["category"] = "compliance"
        labels["severity"] = config.overdueSeverity.name
        labels["artifact_kind"] = o.kind
        let period = config.schedule(of: o.environment.isEmpty ? nil : o.environment)
        let schedule = ConfigDuration.format(period)
        let since = o.lastScan.map { "last complete scan \(Timestamps.format($0))" } ?? "never scanned since it was first seen \(Timestamps.format(o.firstSeen))"
        let env = o.environment.isEmpty ? "" : " in \(o.environment)"
        return Alert(
            labels: labels,
            annotations: [
                "summary": "\(o.kind) \(o.name)\(env) has no complete scan within \(schedule)",
                "description": "\(since); the schedule\(env) is one complete scan every \(schedule).",
                "last_scan": o.lastScan.map(Timestamps.format) ?? "",
            ],
            severity: config.overdueSeverity, fingerprint: Fingerprint(labels: identity),
            // The condition began when the last scan (or the first sighting) went out of date.
            occurredAt: (o.lastScan ?? o.firstSeen).addingTimeInterval(period.seconds),
            detectedAt: now)
    }

    /// The fingerprint `make` gives an artifact's alert.
    public static func fingerprint(kind: String, name: String, environment: String) -> Fingerprint {
        Fingerprint(labels: identity(kind: kind, name: name, environment: environment))
    }

    private static func identity(kind: String, name: String, environment: String) -> [String: String] {
        var identity = ["alertname": Self.name, "source": Self.source, kind: name]
        if !environment.isEmpty { identity["environment"] = environment }
        return identity
    }
}
