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

    public init(
        labels: [String: String],
        annotations: [String: String] = [:],
        severity: Severity,
        fingerprint: Fingerprint,
        scope: String? = nil,
        occurredAt: Date? = nil,
        detectedAt: Date? = nil,
        resolvedAt: Date? = nil
    ) {
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
}
