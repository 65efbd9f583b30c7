import Foundation

/// Alertmanager webhook payloads (version 4). Labels are kept as they are, `severity` included,
/// so an alertmanager.yml routes and inhibits on them exactly as Alertmanager would; the
/// fingerprint is taken over all of the alert's own labels, like Alertmanager's. Klaxon's
/// normalized level (from the `severity` word) goes to `Alert.severity`, beside the labels;
/// the word is also kept in `native_severity`, as the other decoders do. No `source` label is
/// added (the source is the alert's `origin`), and an `endsAt` in the future on a firing alert
/// becomes its expiry: it resolves then unless reported again, as in Alertmanager.
struct AlertmanagerDecoder {
    let doc: JSONDocument
    let assembly: AlertAssembly

    func decode(root: Int, into alerts: inout [Alert]) throws(DecodeError) {
        let body = try doc.requireObject(root)
        if let v = try doc.optionalString(body, "version"), v != "4" {
            throw DecodeError(path: "version", "unsupported Alertmanager webhook version \"\(v)\" (expected 4)")
        }
        let groupStatus = try doc.optionalString(body, "status")
        guard let list = try doc.optionalArray(body, "alerts") else { throw DecodeError(path: "alerts", "missing") }
        for a in list {
            alerts.append(try alert(a, groupStatus: groupStatus))
        }
    }

    private func alert(_ a: Int, groupStatus: String?) throws(DecodeError) -> Alert {
        _ = try doc.requireObject(a)
        let labelsNode = try doc.requireObject(try doc.requireMember(a, "labels"))
        let labels = try doc.stringMap(labelsNode)
        guard labels["alertname"]?.isEmpty == false else { throw DecodeError(path: doc.path(of: labelsNode, key: "alertname"), "missing") }
        let identity = Array(labels.keys)
        var ann = try doc.optionalObject(a, "annotations").map { (o) throws(DecodeError) in try doc.stringMap(o) } ?? [:]
        let native = labels["severity"]
        ann["native_severity"] = native
        ann["generator_url"] = try doc.optionalString(a, "generatorURL")
        ann["alertmanager_fingerprint"] = try doc.optionalString(a, "fingerprint")

        let startsAt = try time(a, "startsAt")
        let endsAt = try time(a, "endsAt")
        let status = try doc.optionalString(a, "status") ?? groupStatus
        let resolved = status == "resolved"
        // Relative to when the report was sent: Prometheus sets `endsAt` a few resend intervals
        // ahead and moves it with every re-send.
        let sentAt = assembly.context.producedAt ?? assembly.context.receivedAt
        let expiresAfter = resolved ? nil : endsAt.map { $0.timeIntervalSince(sentAt) }.flatMap { $0 > 0 ? $0 : nil }
        return assembly.make(
            labels: labels, annotations: ann, severity: Self.severity(native), keepSeverityLabel: true, identity: identity,
            occurredAt: startsAt, detectedAt: startsAt ?? assembly.context.receivedAt,
            resolvedAt: resolved ? (endsAt ?? assembly.context.receivedAt) : nil,
            expiresAfter: expiresAfter, origin: labels["source"]?.isEmpty == false ? nil : "alertmanager")
    }

    /// The words Prometheus rules commonly use.
    static func severity(_ word: String?) -> Severity {
        guard let w = word?.lowercased() else { return .unknown }
        switch w {
        case "critical", "page", "emergency", "alert": return .critical
        case "error", "high", "major": return .high
        case "warning", "warn", "medium", "moderate": return .medium
        case "low", "minor", "notice": return .low
        case "info", "informational", "none", "debug": return .info
        default: return SeverityMap.label(w) ?? .unknown
        }
    }

    /// Alertmanager writes the zero time `0001-01-01T00:00:00Z` for "not set".
    private func time(_ obj: Int, _ key: StaticString) throws(DecodeError) -> Date? {
        guard let d = try doc.optionalRFC3339(obj, key) else { return nil }
        return d < Self.notSet ? nil : d
    }

    /// Anything before year 2 is Go's zero time.
    private static let notSet = Date(timeIntervalSince1970: -62_104_060_800)
}
