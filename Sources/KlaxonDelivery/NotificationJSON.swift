import Foundation
import KlaxonCore

/// JSON shapes Klaxon sends. The webhook body is Alertmanager's webhook payload (version 4),
/// so receivers written for Alertmanager work unchanged; Klaxon adds `idempotencyKey` and each
/// alert's `severity` (OCSF id and 0–100 score) and `occurrences`. An acknowledgement is the
/// same body with `status: acknowledged` (top level and on the acknowledged alerts) and
/// `acknowledgedBy` / `acknowledgedAt`, absent from every other notification.
public enum NotificationJSON {
    struct AlertBody: Encodable {
        let status: String
        let labels: [String: String]
        let annotations: [String: String]
        let startsAt: String
        let endsAt: String
        let generatorURL = ""
        let fingerprint: String
        let severity: SeverityBody
        let occurrences: Int
    }

    struct SeverityBody: Encodable {
        let id: Int
        let name: String
        let score: Int
    }

    static func alertBody(_ a: NotifiedAlert) -> AlertBody {
        AlertBody(
            status: a.status.rawValue, labels: a.labels, annotations: a.annotations,
            startsAt: timestamp(a.startsAt), endsAt: a.endsAt.map(timestamp) ?? "0001-01-01T00:00:00Z",
            fingerprint: a.fingerprint.description,
            severity: SeverityBody(id: a.severity.id, name: a.severity.name, score: a.severity.score),
            occurrences: a.occurrences)
    }

    /// The webhook body; `maxAlerts` > 0 truncates the alert list as Alertmanager does.
    /// Like Alertmanager's `truncateAlerts`, the cut comes first: common labels and
    /// annotations are those of the alerts sent. Written with `JSONWriter`; the fields are
    /// Alertmanager's, keys in sorted order (`KlaxonTesting.EncoderNotificationJSON` is the
    /// `JSONEncoder` reference it is checked and measured against).
    public static func webhook(_ n: AlertNotification, maxAlerts: Int = 0, externalURL: String = "") -> Data {
        let (sent, truncated) = truncate(n, maxAlerts: maxAlerts)
        var w = JSONWriter(capacity: 512 + 512 * sent.alerts.count)
        w.raw("{")
        var first = true
        if let at = n.acknowledgedAt { w.key("acknowledgedAt", first: first); first = false; w.string(timestamp(at)) }
        if let by = n.acknowledgedBy { w.key("acknowledgedBy", first: first); first = false; w.string(by) }
        w.key("alerts", first: first)
        w.raw("[")
        for (i, a) in sent.alerts.enumerated() {
            if i > 0 { w.raw(",") }
            alert(a, into: &w)
        }
        w.raw("]")
        w.key("commonAnnotations"); w.object(sent.commonAnnotations)
        w.key("commonLabels"); w.object(sent.commonLabels)
        w.key("externalURL"); w.string(externalURL)
        if let f = n.fallbackFor { w.key("fallbackFor"); w.string(f) }
        w.key("groupKey"); w.string(n.groupKey)
        w.key("groupLabels"); w.object(n.groupLabels)
        w.key("idempotencyKey"); w.string(n.idempotencyKey)
        w.key("receiver"); w.string(n.receiver)
        w.key("status"); w.string(n.status.rawValue)
        w.key("truncatedAlerts"); w.int(truncated)
        w.key("version"); w.raw("\"4\"}")
        return w.data
    }

    /// One alert as `AlertBody` encodes it.
    static func alert(_ a: NotifiedAlert, into w: inout JSONWriter) {
        w.raw("{")
        w.key("annotations", first: true); w.object(a.annotations)
        w.key("endsAt"); w.string(a.endsAt.map(timestamp) ?? "0001-01-01T00:00:00Z")
        w.key("fingerprint"); w.string(a.fingerprint.description)
        w.key("generatorURL"); w.raw("\"\"")
        w.key("labels"); w.object(a.labels)
        w.key("occurrences"); w.int(a.occurrences)
        w.key("severity"); w.raw("{\"id\":"); w.int(a.severity.id); w.raw(",\"name\":"); w.string(a.severity.name)
        w.raw(",\"score\":"); w.int(a.severity.score); w.raw("}")
        w.key("startsAt"); w.string(timestamp(a.startsAt))
        w.key("status"); w.string(a.status.rawValue)
        w.raw("}")
    }

    /// The notification with at most `maxAlerts` alerts (0 = all) and how many were cut.
    static func truncate(_ n: AlertNotification, maxAlerts: Int) -> (AlertNotification, Int) {
        guard maxAlerts > 0, n.alerts.count > maxAlerts else { return (n, 0) }
        var cut = n
        cut.alerts = Array(n.alerts.prefix(maxAlerts))
        return (cut, n.alerts.count - maxAlerts)
    }

    /// JSON lines for a file sink, one per alert (receiver, key, group key, the alert), each ending in a newline.
    static func fileLines(_ n: AlertNotification) -> Data {
        var w = JSONWriter(capacity: 640 * n.alerts.count)
        for a in n.alerts {
            w.raw("{")
            if let by = n.acknowledgedBy { w.key("acknowledgedBy", first: true); w.string(by) }
            w.key("alert", first: n.acknowledgedBy == nil); alert(a, into: &w)
            if let f = n.fallbackFor { w.key("fallbackFor"); w.string(f) }
            w.key("groupKey"); w.string(n.groupKey)
            w.key("idempotencyKey"); w.string(n.idempotencyKey)
            w.key("receiver"); w.string(n.receiver)
            w.raw("}\n")
        }
        return w.data
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// `2025-06-01T10:20:30.123Z`: milliseconds truncated, as Foundation's ISO 8601 style
    /// with fractional seconds writes them — computed directly for 1970–9999 (the style's
    /// formatter cost more than the rest of a one-alert body), by that style otherwise.
    public static func timestamp(_ d: Date) -> String {
        let t = d.timeIntervalSince1970
        guard t >= 0, t < 253_402_300_800 else { return d.formatted(isoStyle) }
        let seconds = t.rounded(.down)
        let ms = Int((t - seconds) * 1000)
        let s = Int(seconds)
        let (y, m, day) = civil(days: s / 86_400)
        let sod = s % 86_400
        var out = [UInt8](repeating: 0, count: 24)
        func put(_ value: Int, at i: Int, digits: Int) {
            var v = value
            for k in stride(from: i + digits - 1, through: i, by: -1) { out[k] = UInt8(48 + v % 10); v /= 10 }
        }
        put(y, at: 0, digits: 4); out[4] = 45; put(m, at: 5, digits: 2); out[7] = 45; put(day, at: 8, digits: 2)
        out[10] = 84; put(sod / 3600, at: 11, digits: 2); out[13] = 58; put(sod / 60 % 60, at: 14, digits: 2)
        out[16] = 58; put(sod % 60, at: 17, digits: 2); out[19] = 46; put(ms, at: 20, digits: 3); out[23] = 90
        return String(decoding: out, as: UTF8.self)
    }

    private static let isoStyle = Date.ISO8601FormatStyle().year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)

    /// Year, month, day of a day count since 1970-01-01 (proleptic Gregorian; Howard Hinnant's
    /// `civil_from_days`).
    static func civil(days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
