import Foundation
import KlaxonCore

/// The webhook body and file-sink lines as Foundation's `JSONEncoder` wrote them before
/// `NotificationJSON` got its own writer: the reference that writer is checked against
/// (`NotificationJSONTests`) and measured against (`DeliveryBench`).
public enum EncoderNotificationJSON {
    struct WebhookBody: Encodable {
        let version = "4"
        let groupKey: String
        let truncatedAlerts: Int
        let status: String
        let receiver: String
        let groupLabels: [String: String]
        let commonLabels: [String: String]
        let commonAnnotations: [String: String]
        let externalURL: String
        let alerts: [AlertBody]
        let idempotencyKey: String
        let fallbackFor: String?
        let acknowledgedBy: String?
        let acknowledgedAt: String?
    }

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

    struct FileLine: Encodable {
        let receiver: String
        let idempotencyKey: String
        let groupKey: String
        let alert: AlertBody
        let fallbackFor: String?
        let acknowledgedBy: String?
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    public static func timestamp(_ d: Date) -> String {
        d.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }

    static func alertBody(_ a: NotifiedAlert) -> AlertBody {
        AlertBody(
            status: a.status.rawValue, labels: a.labels, annotations: a.annotations,
            startsAt: timestamp(a.startsAt), endsAt: a.endsAt.map(timestamp) ?? "0001-01-01T00:00:00Z",
            fingerprint: a.fingerprint.description,
            severity: SeverityBody(id: a.severity.id, name: a.severity.name, score: a.severity.score),
            occurrences: a.occurrences)
    }

    /// The body for `n` with its first `maxAlerts` alerts (0 = all), as Alertmanager truncates.
    public static func webhook(_ n: AlertNotification, maxAlerts: Int = 0, externalURL: String = "") throws -> Data {
        var sent = n
        if maxAlerts > 0, n.alerts.count > maxAlerts { sent.alerts = Array(n.alerts.prefix(maxAlerts)) }
        return try encoder.encode(WebhookBody(
            groupKey: n.groupKey, truncatedAlerts: n.alerts.count - sent.alerts.count, status: n.status.rawValue,
            receiver: n.receiver, groupLabels: n.groupLabels, commonLabels: sent.commonLabels,
            commonAnnotations: sent.commonAnnotations, externalURL: externalURL, alerts: sent.alerts.map(alertBody),
            idempotencyKey: n.idempotencyKey, fallbackFor: n.fallbackFor, acknowledgedBy: n.acknowledgedBy,
            acknowledgedAt: n.acknowledgedAt.map(timestamp)))
    }

    public static func fileLines(_ n: AlertNotification) throws -> Data {
        var out = Data()
        for a in n.alerts {
            out.append(try encoder.encode(FileLine(
                receiver: n.receiver, idempotencyKey: n.idempotencyKey, groupKey: n.groupKey, alert: alertBody(a),
                fallbackFor: n.fallbackFor, acknowledgedBy: n.acknowledgedBy)))
            out.append(0x0A)
        }
        return out
    }
}
