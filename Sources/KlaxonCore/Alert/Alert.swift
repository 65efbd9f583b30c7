import Foundation

/// A normalized alert: Alertmanager-style labels and annotations, one severity scale, and the
/// times that MTTD/MTTA/MTTR are computed from. Every decoder produces these.
public struct Alert: Sendable, Hashable, Codable {
    /// Identity and routing labels (`alertname`, `source`, `category`, `severity`, `image`, `cve`, …).
    public var labels: [String: String]
    /// Human text and links (`summary`, `description`, `fixed_version`, `references`, …).
    public var annotations: [String: String]
    public var severity: Severity
    /// Stable identity of the condition; equal fingerprints are the same alert.
    public var fingerprint: Fingerprint
    /// The artifact or target a report covers (image digest, repository, host). A later report
    /// for the same scope resolves the findings it no longer contains. Nil for runtime events.
    public var scope: String?
    /// When the condition began (Falco event time, CVE published, GuardDuty first seen).
    public var occurredAt: Date?
    /// When the source reported it (scan time, finding updated time).
    public var detectedAt: Date?
    /// When the source says the condition is over (AWS finding archived/resolved), if it does.
    public var resolvedAt: Date?
    /// How long after this report the alert resolves unless reported again, when the source
    /// says so: Alertmanager's `endsAt` in the future, taken relative to when the report was
    /// produced (Prometheus re-sends with a fresh `endsAt` while the rule fires). Seconds.
    public var expiresAfter: Double?
    /// The source's name when it is not a label: alerts in Alertmanager's shape keep exactly
    /// the labels they came with, so no `source` label is added to them.
    public var origin: String?

    public init(
        labels: [String: String],
        annotations: [String: String] = [:],
        severity: Severity,
        fingerprint: Fingerprint,
        scope: String? = nil,
        occurredAt: Date? = nil,
        detectedAt: Date? = nil,
        resolvedAt: Date? = nil,
        expiresAfter: Double? = nil,
        origin: String? = nil
    ) {
        self.expiresAfter = expiresAfter
        self.origin = origin
        self.labels = labels
        self.annotations = annotations
        self.severity = severity
        self.fingerprint = fingerprint
        self.scope = scope
        self.occurredAt = occurredAt
        self.detectedAt = detectedAt
        self.resolvedAt = resolvedAt
    }

    public var name: String { labels["alertname"] ?? "" }

    /// The source that reported it: its `source` label, else `origin`.
    public var source: String? { labels["source"] ?? origin }
}
