import KlaxonCore

/// The default human text of a notification, shared by SNS, Slack and PagerDuty:
/// a one-line title (`[FIRING:2] CVE-2024-1234 high`, `[ACKNOWLEDGED by ana] …`, `[RESOLVED] …`)
/// and a short multi-line summary.
enum NotificationSummary {
    /// Labels worth showing next to an alert, in this order, when present.
    static let shownLabels = ["source", "environment", "cluster", "namespace", "image", "package", "cve", "host",
                              "container", "rule", "account", "region"]

    static func title(_ n: AlertNotification) -> String {
        let firing = n.alerts.filter { $0.status == .firing }.count
        let status = switch n.status {
        case .firing: "FIRING:\(firing)"
        case .acknowledged: "ACKNOWLEDGED" + (n.acknowledgedBy.map { " by \($0)" } ?? "")
        case .resolved: "RESOLVED"
        }
        var subject = n.groupLabels.sorted { $0.key < $1.key }.map(\.value).joined(separator: " ")
        if subject.isEmpty { subject = n.commonLabels["alertname"] ?? n.alerts.first?.labels["alertname"] ?? n.receiver }
        return "[\(status)] \(subject) (\(highest(n).name))"
    }

    /// The most severe alert's severity in the notification.
    static func highest(_ n: AlertNotification) -> Severity {
        n.alerts.map(\.severity).max { $0.score < $1.score } ?? .unknown
    }

    static func text(_ n: AlertNotification, maxAlerts: Int = 20) -> String {
        var lines = [title(n), "receiver: \(n.receiver)"]
        for a in n.alerts.prefix(maxAlerts) { lines.append(line(a)) }
        if n.alerts.count > maxAlerts { lines.append("… and \(n.alerts.count - maxAlerts) more") }
        return lines.joined(separator: "\n")
    }

    static func line(_ a: NotifiedAlert) -> String {
        var s = "- \(a.status == .firing ? "" : "[\(a.status.rawValue)] ")\(a.labels["alertname"] ?? a.fingerprint.description) \(a.severity.name) (\(a.severity.score))"
        let labels = shownLabels.compactMap { k in a.labels[k].map { "\(k)=\($0)" } }
        if !labels.isEmpty { s += " " + labels.joined(separator: " ") }
        if let summary = a.annotations["summary"] ?? a.annotations["description"] { s += " — \(summary)" }
        return s
    }
}
