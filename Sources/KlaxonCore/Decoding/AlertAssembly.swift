import Foundation

/// The identity labels hashed into a fingerprint, per kind of finding (see docs/formats.md).
/// Absent labels are skipped, so e.g. a Falco event without a container hashes rule + host + process.
public enum FingerprintIdentity {
    /// Deliberately without `source`: Trivy and Inspector2 reporting the same CVE in the same
    /// package version of the same image digest are one alert.
    public static let vulnerability = ["category", "artifact", "cve", "package", "installed_version"]
    /// `line` is set only when the check names no `resource`, to keep two failures of one
    /// check in one file apart (Helm/Kubernetes checks carry no resource).
    public static let misconfiguration = ["source", "category", "artifact", "target", "rule", "resource", "line"]
    /// Secrets have no stable id of their own; the line is the best separator of two matches of
    /// one rule in one file (a moved secret becomes a new alert and the old one resolves).
    public static let secret = ["source", "category", "artifact", "target", "rule", "line"]
    public static let runtime = ["source", "rule", "host", "container", "process"]
    /// AWS findings carry a stable id across updates.
    public static let finding = ["source", "account", "region", "finding_id"]
    /// SARIF results without package details: tool, rule and location.
    public static let sarif = ["source", "tool", "rule", "artifact", "target", "line"]
}

/// Finishes decoder output into `Alert`s the same way for every format: severity label,
/// `environment` and topic labels (never overriding decoded labels), fingerprint.
///
/// `keepSeverityLabel`: alerts that arrive in Alertmanager's shape route on the labels they
/// came with (an alertmanager.yml routes on `severity="warning"`), so their `severity` label
/// is left as it is (or absent); Klaxon's normalized level is `Alert.severity` either way.
struct AlertAssembly {
    let context: DecodeContext

    func make(
        labels: __owned [String: String],
        annotations: __owned [String: String] = [:],
        severity: Severity,
        keepSeverityLabel: Bool = false,
        identity: [String]?,
        scope: String? = nil,
        occurredAt: Date? = nil,
        detectedAt: Date? = nil,
        resolvedAt: Date? = nil,
        expiresAfter: Double? = nil,
        origin: String? = nil
    ) -> Alert {
        var labels = labels
        var annotations = annotations
        // Empty values carry no information and would make "absent" and "empty" hash differently.
        if labels.values.contains(where: \.isEmpty) {
            for (k, v) in labels where v.isEmpty { labels.removeValue(forKey: k) }
        }
        // Identity is taken over decoded labels only (nil = all of them, Alertmanager style),
        // before topic labels are added, so the same finding on two topics is one alert.
        let fingerprint = Fingerprint(labels: labels, keys: identity)
        if !keepSeverityLabel { labels["severity"] = severity.name }
        if labels["environment"] == nil, let env = context.environment, !env.isEmpty { labels["environment"] = env }
        for (k, v) in context.extraLabels where labels[k] == nil { labels[k] = v }
        if annotations.values.contains(where: \.isEmpty) {
            for (k, v) in annotations where v.isEmpty { annotations.removeValue(forKey: k) }
        }
        return Alert(
            labels: labels, annotations: annotations, severity: severity, fingerprint: fingerprint,
            scope: scope, occurredAt: occurredAt, detectedAt: detectedAt, resolvedAt: resolvedAt,
            expiresAfter: expiresAfter, origin: origin)
    }
}

/// Severity maps shared by several decoders (DESIGN.md's table).
enum SeverityMap {
    /// CRITICAL/HIGH/MEDIUM/LOW/INFORMATIONAL/UNKNOWN/UNTRIAGED words, case-insensitive.
    static func label(_ word: String?) -> Severity? {
        guard let word else { return nil }
        switch word.uppercased() {
        case "CRITICAL": return .critical
        case "HIGH": return .high
        case "MEDIUM", "MODERATE": return .medium
        case "LOW": return .low
        case "INFORMATIONAL", "INFO", "NONE": return .info
        case "UNKNOWN", "UNTRIAGED", "UNDEFINED": return .unknown
        case "FATAL": return .fatal
        default: return nil
        }
    }

    /// A 0–10 score (CVSS, GuardDuty, SARIF security-severity) on the 0–100 bands.
    static func tenPoint(_ value: Double) -> Severity? {
        guard value.isFinite, value >= 0, value <= 10 else { return nil }
        return Severity(score: Int((value * 10).rounded()))
    }

    /// `score` kept inside `level`'s band, so ordering by score never contradicts the level.
    static func clamp(score: Int, to level: Severity.Level) -> Severity {
        let range: ClosedRange<Int>
        switch level {
        case .unknown: return Severity(id: 0, score: score)
        case .info: range = 0...0
        case .low: range = 1...39
        case .medium: range = 40...69
        case .high: range = 70...89
        case .critical, .fatal: range = 90...100
        }
        return Severity(id: level.rawValue, score: min(max(score, range.lowerBound), range.upperBound))
    }
}
