import Foundation

/// Writes alerts as Klaxon JSON (schemas/klaxon-alert.schema.json), which decodes back to the
/// same alerts (`format: klaxon`) — times at millisecond precision. Keys are sorted so output
/// is stable for diffs and golden files.
public enum AlertJSON {
    public static func encode(_ alerts: [Alert], scopes: [String] = [], pretty: Bool = true) -> Data {
        let body: [String: Any] = [
            "klaxon": 1,
            "scopes": scopes,
            "alerts": alerts.map(object),
        ]
        var options: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes]
        if pretty { options.insert(.prettyPrinted) }
        // Only strings, numbers, arrays and dictionaries go in, so this cannot fail.
        return (try? JSONSerialization.data(withJSONObject: body, options: options)) ?? Data("{}".utf8)
    }

    public static func encode(_ report: DecodedReport, pretty: Bool = true) -> Data {
        encode(report.alerts, scopes: report.scopes, pretty: pretty)
    }

    static func object(_ a: Alert) -> [String: Any] {
        var o: [String: Any] = [
            "labels": a.labels,
            "annotations": a.annotations,
            "severity": ["id": a.severity.id, "score": a.severity.score],
            "fingerprint": a.fingerprint.description,
        ]
        if let s = a.scope { o["scope"] = s }
        if let t = a.occurredAt { o["occurredAt"] = Timestamps.format(t) }
        if let t = a.detectedAt { o["detectedAt"] = Timestamps.format(t) }
        if let t = a.resolvedAt { o["resolvedAt"] = Timestamps.format(t) }
        if let s = a.expiresAfter { o["expiresAfter"] = s }
        if let origin = a.origin { o["origin"] = origin }
        return o
    }
}
