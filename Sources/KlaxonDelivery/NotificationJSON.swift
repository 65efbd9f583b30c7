import Foundation
import KlaxonCore

/// JSON shapes Klaxon sends. The webhook body is Alertmanager's webhook payload (version 4),
/// so receivers written for Alertmanager work unchanged; Klaxon adds `idempotencyKey` and each
/// alert's `severity` (OCSF id and 0–100 score) and `occurrences`. An acknowledgement is the
/// same body with `status: acknowledged` (top level and on the acknowledged alerts) and
/// `acknowledgedBy` / `acknowledgedAt`, absent from every other notification.
enum NotificationJSON {
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
        /// Present (the original receiver) only on a copy sent to a fallback receiver.
        let fallbackFor: String?
        /// Present only when `status` is `acknowledged`.
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

    /// One line of a file sink: a single alert with its receiver and notification key.
    struct FileLine: Encodable {
        let receiver: String
        let idempotencyKey: String
        let groupKey: String
        let alert: AlertBody
        let fallbackFor: String?
        let acknowledgedBy: String?
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
    /// annotations are those of the alerts sent.
    static func webhook(_ n: AlertNotification, maxAlerts: Int = 0, externalURL: String = "") throws -> Data {
        let (sent, truncated) = truncate(n, maxAlerts: maxAlerts)
        let body = WebhookBody(
            groupKey: n.groupKey, truncatedAlerts: truncated, status: n.status.rawValue,
            receiver: n.receiver, groupLabels: n.groupLabels, commonLabels: sent.commonLabels,
            commonAnnotations: sent.commonAnnotations, externalURL: externalURL, alerts: sent.alerts.map(alertBody),
            idempotencyKey: n.idempotencyKey, fallbackFor: n.fallbackFor, acknowledgedBy: n.acknowledgedBy,
            acknowledgedAt: n.acknowledgedAt.map(timestamp))
        return try encoder.encode(body)
    }

    /// The notification with at most `maxAlerts` alerts (0 = all) and how many were cut.
    static func truncate(_ n: AlertNotification, maxAlerts: Int) -> (AlertNotification, Int) {
        guard maxAlerts > 0, n.alerts.count > maxAlerts else { return (n, 0) }
        var cut = n
        cut.alerts = Array(n.alerts.prefix(maxAlerts))
        return (cut, n.alerts.count - maxAlerts)
    }

    /// JSON lines for a file sink, one per alert, each ending in a newline.
    static func fileLines(_ n: AlertNotification) throws -> Data {
        var out = Data()
        for a in n.alerts {
            out.append(try encoder.encode(FileLine(
                receiver: n.receiver, idempotencyKey: n.idempotencyKey, groupKey: n.groupKey, alert: alertBody(a),
                fallbackFor: n.fallbackFor, acknowledgedBy: n.acknowledgedBy)))
            out.append(0x0A)
        }
        return out
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    static func timestamp(_ d: Date) -> String {
        d.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}
