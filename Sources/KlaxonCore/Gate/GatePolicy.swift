import Foundation

/// The router's rules applied to a report as a CI gate: the same severity and identity
/// overrides (`klaxon.yml`), ignore rules with their expiry, environment thresholds and
/// false-positive marks, decided by the router's own `NoiseFilter` — then counted per level
/// against `GateLimits`.
///
/// What the gate does not take from the router: silences and inhibition (state of a running
/// service, about alerts that already fire) and `thresholds:` rate rules (a report is one
/// snapshot; every finding in it counts once). Findings are distinct by fingerprint, so two
/// scanners reporting the same CVE on the same image digest count once.
public struct GatePolicy: Sendable {
    public var limits: GateLimits
    public var noise: NoiseConfig
    public var severityOverrides: SeverityOverrides
    public var identityOverrides: IdentityOverrides
    /// Fingerprints marked as false positives, with the mark's reason.
    public var falsePositives: [Fingerprint: String]

    public init(
        limits: GateLimits = .applicationGuide, noise: NoiseConfig = NoiseConfig(),
        severityOverrides: SeverityOverrides = SeverityOverrides(), identityOverrides: IdentityOverrides = IdentityOverrides(),
        falsePositives: [Fingerprint: String] = [:]
    ) {
        self.limits = limits
        self.noise = noise
        self.severityOverrides = severityOverrides
        self.identityOverrides = identityOverrides
        self.falsePositives = falsePositives
    }

    /// Decides decoded reports at `now` (ignore rules expired before `now` no longer apply).
    public func evaluate(_ reports: [DecodedReport], environment: String? = nil, at now: Date) -> GateResult {
        // The ingest path's order: severity first, then identity (BatchProcessor.decode).
        var order: [Fingerprint] = []
        var byFingerprint: [Fingerprint: (alert: Alert, count: Int)] = [:]
        for report in reports {
            for alert in identityOverrides.apply(to: severityOverrides.apply(to: report)).alerts {
                if let seen = byFingerprint[alert.fingerprint] {
                    byFingerprint[alert.fingerprint] = (seen.alert, seen.count + 1)
                } else {
                    order.append(alert.fingerprint)
                    byFingerprint[alert.fingerprint] = (alert, 1)
                }
            }
        }
        let filter = NoiseFilter(config: noise)
        let marked = Set(falsePositives.keys)
        var noThresholds = ThresholdTracker(rules: [])
        var findings: [GateFinding] = []
        for fp in order {
            guard let (alert, count) = byFingerprint[fp] else { continue }
            let decision = filter.decide(
                alert, transition: .opened, falsePositives: marked, silencer: Silencer(silences: []), inhibitor: nil,
                thresholds: &noThresholds, at: now)
            var finding = GateFinding(alert: alert, status: .counted, suppression: nil, occurrences: count)
            if case let .suppressed(reason, detail) = decision {
                finding.status = .suppressed
                finding.suppression = suppression(reason, detail, fingerprint: fp)
            }
            findings.append(finding)
        }
        var levels: [GateResult.LevelCount] = []
        for level in Severity.Level.allCases.reversed() where level != .fatal {
            let at = findings.filter { $0.level == level }
            levels.append(.init(
                level: level, count: at.filter { $0.status != .suppressed }.count,
                suppressed: at.filter { $0.status == .suppressed }.count, limit: limits.maximum[level]))
        }
        let over = Set(levels.filter(\.exceeded).map(\.level))
        for i in findings.indices where findings[i].status == .counted && over.contains(findings[i].level) {
            findings[i].status = .violation
        }
        let rank: [GateFinding.Status: Int] = [.violation: 0, .counted: 1, .suppressed: 2]
        findings.sort {
            (rank[$0.status]!, -$0.alert.severity.id, -$0.alert.severity.score, $0.id, $0.target ?? "", $0.alert.fingerprint)
                < (rank[$1.status]!, -$1.alert.severity.id, -$1.alert.severity.score, $1.id, $1.target ?? "", $1.alert.fingerprint)
        }
        return GateResult(limits: limits, environment: environment, findings: findings, levels: levels)
    }

    private func suppression(_ reason: SuppressionReason, _ detail: SuppressionDetail, fingerprint: Fingerprint) -> GateFinding.Suppression {
        var s = GateFinding.Suppression(reason: reason, detail: detail.description)
        switch detail {
        case let .ignored(_, rule):
            s.ruleName = rule.name ?? rule.origin?.keyPath
            s.owner = rule.owner
            s.expires = rule.expires
            s.justification = rule.reason
        case .falsePositive:
            s.justification = falsePositives[fingerprint]
        default:
            break
        }
        return s
    }
}
