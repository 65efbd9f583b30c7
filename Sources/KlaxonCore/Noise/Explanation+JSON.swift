import Foundation

/// JSON for the API (`GET /api/v1/alerts/{fingerprint}/explain`). Times are RFC 3339 strings
/// (UTC; a date-only expiry is `YYYY-MM-DD`), so the output does not depend on the encoder's
/// date strategy. Absent parts are omitted:
///
/// ```json
/// {"fingerprint": "3f9a0c51d2e84b17", "at": "2027-01-15T08:00:00Z", "labels": {…},
///  "notified": false, "reason": "ignored", "detail": "ignored by suppressions[1] …",
///  "ignoreRule": {"index": 1, "keyPath": "suppressions[1]", "reason": "…", "owner": "secops",
///                 "expires": "2027-01-31", "file": "routes/vulns.yml", "line": 3},
///  "routes": ["{}"], "receivers": ["oncall"]}
/// ```
/// Other parts: `transition` (when notified), `silences` (ids), `inhibition`
/// (`rule`, `sourceLabels`), `threshold` (`rule`, `name`, `decision`, `count`, `needed`,
/// `window`, `notifiedAt`, `until`).
extension Explanation: Encodable {
    private enum CodingKeys: String, CodingKey {
        case fingerprint, at, labels, notified, reason, detail, transition, ignoreRule, silences, inhibition, threshold,
             routes, receivers
    }

    private struct RuleJSON: Encodable {
        var index: Int
        var keyPath: String?
        var name: String?
        var reason: String
        var owner: String
        var expires: String?
        var file: String?
        var line: Int?
    }

    private struct InhibitionJSON: Encodable {
        var rule: Int
        var sourceLabels: [String: String]
    }

    private struct ThresholdJSON: Encodable {
        var rule: String
        var name: String?
        var decision: String
        var count: Int
        var needed: Int
        var window: String
        var notifiedAt: String?
        var until: String?
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(fingerprint.description, forKey: .fingerprint)
        try c.encode(NoiseFormat.date(at), forKey: .at)
        try c.encode(labels, forKey: .labels)
        try c.encode(notified, forKey: .notified)
        try c.encodeIfPresent(reason?.rawValue, forKey: .reason)
        switch decision {
        case let .notify(transition, _):
            try c.encode(transition.rawValue, forKey: .transition)
        case let .suppressed(_, detail):
            try c.encode(detail.description, forKey: .detail)
            switch detail {
            case let .ignored(index, rule):
                let keyPath = rule.origin.flatMap { $0.keyPath.isEmpty ? nil : $0.keyPath }
                try c.encode(RuleJSON(index: index, keyPath: keyPath, name: rule.name, reason: rule.reason, owner: rule.owner,
                                      expires: rule.expires.map(NoiseFormat.date), file: rule.origin?.file, line: rule.origin?.line),
                             forKey: .ignoreRule)
            case let .silenced(silences):
                try c.encode(silences.map(\.id), forKey: .silences)
            case let .inhibited(index, _, source):
                try c.encode(InhibitionJSON(rule: index, sourceLabels: source), forKey: .inhibition)
            case .falsePositive, .duplicate, .threshold, .belowEnvironmentMinimum:
                break
            }
        }
        if let t = threshold {
            var j = ThresholdJSON(rule: t.rule.origin?.keyPath ?? "thresholds[\(t.ruleIndex)]", name: t.rule.name, decision: "",
                                  count: t.decision.count, needed: t.rule.count, window: ConfigDuration.format(t.rule.window))
            switch t.decision {
            case .notify: j.decision = "notify"
            case .held: j.decision = "held"
            case let .alreadyNotified(_, at): j.decision = "already_notified"; j.notifiedAt = NoiseFormat.date(at)
            case let .damped(_, until): j.decision = "damped"; j.until = NoiseFormat.date(until)
            case .counted: j.decision = "counted"
            case .untracked: j.decision = "untracked"
            }
            try c.encode(j, forKey: .threshold)
        }
        try c.encode(routes, forKey: .routes)
        try c.encode(receivers, forKey: .receivers)
    }
}
