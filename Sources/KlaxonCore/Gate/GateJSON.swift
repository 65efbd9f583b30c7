import Foundation

/// `klaxon gate --format json`: the verdict, the counts and every finding, for scripts.
public enum GateJSON {
    struct Document: Encodable {
        var passed: Bool
        var environment: String?
        var limits: [String: Int?]
        var failOnViolation: Bool
        var violations: [Level]
        var levels: [Level]
        var findings: [Finding]
    }

    struct Level: Encodable {
        var severity: String
        var count: Int
        var suppressed: Int
        var limit: Int?
    }

    struct Finding: Encodable {
        var status: String
        var fingerprint: String
        var id: String
        var severity: String
        var score: Int
        var package: String?
        var target: String?
        var labels: [String: String]
        var suppression: Suppression?
    }

    struct Suppression: Encodable {
        var reason: String
        var detail: String
        var rule: String?
        var owner: String?
        var expires: String?
        var justification: String?
    }

    /// Pretty-printed, keys sorted; `null` limits mean no limit.
    public static func encode(_ result: GateResult) -> Data {
        func level(_ l: GateResult.LevelCount) -> Level { Level(severity: l.level.name, count: l.count, suppressed: l.suppressed, limit: l.limit) }
        var limits: [String: Int?] = [:]
        for l in GateLimits.levels { limits[l.name] = .some(result.limits.maximum[l]) }
        let doc = Document(
            passed: result.passed, environment: result.environment, limits: limits, failOnViolation: result.limits.failOnViolation,
            violations: result.violations.map(level), levels: result.levels.map(level),
            findings: result.findings.map { f in
                Finding(
                    status: f.status.rawValue, fingerprint: f.alert.fingerprint.description, id: f.id, severity: f.alert.severity.name,
                    score: f.alert.severity.score, package: f.packageVersion, target: f.target, labels: f.alert.labels,
                    suppression: f.suppression.map {
                        Suppression(reason: $0.reason.rawValue, detail: $0.detail, rule: $0.ruleName, owner: $0.owner,
                                    expires: $0.expires.map(NoiseFormat.date), justification: $0.justification)
                    })
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(doc)) ?? Data("{}".utf8)
    }
}
