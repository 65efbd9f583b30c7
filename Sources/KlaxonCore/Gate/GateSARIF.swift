import Foundation

/// `klaxon gate --format sarif`: a SARIF 2.1.0 log for code-scanning upload. One result per
/// finding; a finding over the limits is an `error`. Suppressed findings carry a SARIF
/// `suppressions[]` entry (`kind: external`, `status: accepted`) whose justification, and
/// properties, give the reason, owner and expiry — code scanning shows them as dismissed.
public enum GateSARIF {
    public static let schemaURI = "https://json.schemastore.org/sarif-2.1.0.json"

    public static func encode(_ result: GateResult, toolVersion: String? = nil) -> Data {
        var ruleIndex: [String: Int] = [:]
        var rules: [[String: Any]] = []
        var results: [[String: Any]] = []
        for f in result.findings {
            let index: Int
            if let i = ruleIndex[f.id] {
                index = i
            } else {
                index = rules.count
                ruleIndex[f.id] = index
                rules.append(rule(f))
            }
            results.append(resultObject(f, ruleIndex: index))
        }
        var driver: [String: Any] = ["name": "klaxon-gate", "rules": rules]
        if let toolVersion { driver["version"] = toolVersion }
        var limits: [String: Any] = [:]
        for l in GateLimits.levels { limits[l.name] = result.limits.maximum[l].map { $0 as Any } ?? NSNull() }
        var gate: [String: Any] = [
            "passed": result.passed, "verdict": result.verdictText, "limits": limits,
            "failOnViolation": result.limits.failOnViolation,
        ]
        if let env = result.environment { gate["environment"] = env }
        let log: [String: Any] = [
            "$schema": schemaURI,
            "version": "2.1.0",
            "runs": [[
                "tool": ["driver": driver],
                "results": results,
                "properties": ["klaxonGate": gate],
            ]],
        ]
        return (try? JSONSerialization.data(withJSONObject: log, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
    }

    private static func rule(_ f: GateFinding) -> [String: Any] {
        var r: [String: Any] = [
            "id": f.id,
            "shortDescription": ["text": f.alert.annotations["title"] ?? f.alert.annotations["summary"] ?? f.id],
            "properties": [
                "security-severity": String(format: "%.1f", Double(f.alert.severity.score) / 10),
                "tags": ["security", f.alert.labels["category"] ?? "vulnerability"],
            ] as [String: Any],
        ]
        if let url = f.alert.annotations["url"] ?? f.alert.annotations["primary_url"], URL(string: url) != nil { r["helpUri"] = url }
        return r
    }

    private static func resultObject(_ f: GateFinding, ruleIndex: Int) -> [String: Any] {
        var text = "\(f.id) (\(f.alert.severity.name))"
        if let p = f.packageVersion { text += " in \(p)" }
        if let t = f.target { text += " on \(t)" }
        switch f.status {
        case .violation: text += ": over the gate's \(f.level.name) limit"
        case .counted: text += ": within the gate's limits"
        case .suppressed: text += ": suppressed — \(f.suppression?.detail ?? "")"
        }
        var r: [String: Any] = [
            "ruleId": f.id,
            "ruleIndex": ruleIndex,
            "level": level(f),
            "message": ["text": text],
            "locations": [["physicalLocation": ["artifactLocation": ["uri": uri(f.target ?? f.alert.name)]]]],
            "partialFingerprints": ["klaxonFingerprint/v1": f.alert.fingerprint.description],
            "properties": ["gateStatus": f.status.rawValue, "severity": f.alert.severity.name, "labels": f.alert.labels] as [String: Any],
        ]
        if let s = f.suppression {
            var justification = "\(s.reason.rawValue): \(s.detail)"
            if let j = s.justification { justification = "\(j) — \(justification)" }
            var props: [String: Any] = ["reason": s.reason.rawValue]
            if let owner = s.owner { props["owner"] = owner }
            if let e = s.expires { props["expires"] = NoiseFormat.date(e) }
            if let name = s.ruleName { props["rule"] = name }
            r["suppressions"] = [["kind": "external", "status": "accepted", "justification": justification, "properties": props] as [String: Any]]
        }
        return r
    }

    private static func level(_ f: GateFinding) -> String {
        if f.status == .violation { return "error" }
        return f.level >= .medium ? "warning" : "note"
    }

    /// A relative URI reference for a target such as `registry/app:1.2@sha256:…` (`:` would
    /// otherwise read as a scheme).
    static func uri(_ target: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: ":@")
        return target.addingPercentEncoding(withAllowedCharacters: allowed) ?? "unknown"
    }
}
