import Foundation

/// One firing instance of an alert with the times the KPIs are computed from (read from the
/// alert's history by the store).
public struct IncidentRecord: Sendable, Hashable, Codable {
    public var fingerprint: Fingerprint
    /// The alert's labels (`severity`, `source`, `environment`, … — what a report groups by).
    public var labels: [String: String]
    /// When the condition began, per the source.
    public var occurredAt: Date?
    /// When the source reported it (else the first report Klaxon received).
    public var detectedAt: Date
    public var notifiedAt: Date?
    public var acknowledgedAt: Date?
    public var resolvedAt: Date?
    public var slaBreaches: Set<SLAKind>
    public var falsePositive: Bool

    public init(
        fingerprint: Fingerprint, labels: [String: String], occurredAt: Date?, detectedAt: Date, notifiedAt: Date? = nil,
        acknowledgedAt: Date? = nil, resolvedAt: Date? = nil, slaBreaches: Set<SLAKind> = [], falsePositive: Bool = false
    ) {
        self.fingerprint = fingerprint
        self.labels = labels
        self.occurredAt = occurredAt
        self.detectedAt = detectedAt
        self.notifiedAt = notifiedAt
        self.acknowledgedAt = acknowledgedAt
        self.resolvedAt = resolvedAt
        self.slaBreaches = slaBreaches
        self.falsePositive = falsePositive
    }
}
