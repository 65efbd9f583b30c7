import Foundation

/// One distinct finding (by fingerprint) of the reports a gate read, and what the policy made of it.
public struct GateFinding: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, Codable {
        /// Counted, and its level is over its limit.
        case violation
        /// Counted, within its level's limit (or its level has none).
        case counted
        /// Not counted: the router would not notify it either (see `suppression`).
        case suppressed
    }

    /// Why a finding was not counted, as the router's noise filter decided it.
    public struct Suppression: Sendable, Hashable {
        public var reason: SuppressionReason
        /// The filter's full explanation (`ignored by suppressions[0] 'disputed' (owner secops, expires …)`).
        public var detail: String
        /// The ignore rule's name, owner and expiry (ignore rules only).
        public var ruleName: String?
        public var owner: String?
        public var expires: Date?
        /// The reason the rule or mark gives (ignore rules and false positives).
        public var justification: String?
    }

    /// The alert after severity and identity overrides.
    public var alert: Alert
    public var status: Status
    public var suppression: Suppression?
    /// Reports of this fingerprint among the inputs (1 unless a finding repeats).
    public var occurrences: Int

    /// The level it is counted at (`fatal` as critical).
    public var level: Severity.Level { GateLimits.countedLevel(alert.severity.level) }

    /// `cve`, else `rule`, else `alertname`: what a person would call this finding.
    public var id: String { alert.labels["cve"] ?? alert.labels["rule"] ?? alert.name }

    /// Where it was found: `image`, else the scan scope, else `target`/`artifact`/`host`.
    public var target: String? {
        alert.labels["image"] ?? alert.scope ?? alert.labels["target"] ?? alert.labels["artifact"] ?? alert.labels["host"]
    }

    /// `package installed_version` when the finding is about a package.
    public var packageVersion: String? {
        guard let p = alert.labels["package"] else { return nil }
        guard let v = alert.labels["installed_version"] ?? alert.annotations["installed_version"] else { return p }
        return "\(p) \(v)"
    }
}
