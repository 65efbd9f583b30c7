import Foundation
import KlaxonCore

/// A Slack message in Block Kit: a header with the title, a section with the text, and
/// context lines with the severity, the common labels and the sources (and who acknowledged);
/// wrapped in one attachment so `color` (default by severity, blue once acknowledged, green
/// once resolved) shows as its bar.
enum SlackMessage {
    static func body(_ n: AlertNotification, config: SlackConfig, channel: String?, ts: String? = nil) -> [String: Any] {
        let title = NotificationTemplate.render(config.title, n, default: NotificationSummary.title(n))
        let text = NotificationTemplate.render(config.text, n, default: defaultText(n))
        let severity = NotificationSummary.highest(n)
        var context = ["*severity:* \(severity.name) (\(severity.score))"]
        let labels = n.commonLabels.filter { $0.key != "alertname" }.sorted { $0.key < $1.key }.map { "`\($0.key)=\($0.value)`" }
        if !labels.isEmpty { context.append("*labels:* " + labels.joined(separator: " ")) }
        let sources = Set(n.alerts.compactMap { $0.labels["source"] }).sorted()
        if !sources.isEmpty { context.append("*sources:* " + sources.joined(separator: ", ")) }
        if n.status == .acknowledged, let by = n.acknowledgedBy {
            context.append("*acknowledged by:* \(by)" + (n.acknowledgedAt.map { " at \(NotificationJSON.timestamp($0))" } ?? ""))
        }
        let blocks: [[String: Any]] = [
            ["type": "header", "text": ["type": "plain_text", "text": String(title.prefix(150)), "emoji": true]],
            ["type": "section", "text": ["type": "mrkdwn", "text": String(text.prefix(3000))]],
            ["type": "context", "elements": context.map { ["type": "mrkdwn", "text": String($0.prefix(2000))] }],
        ]
        let color = NotificationTemplate.render(config.color, n, default: defaultColor(n))
        var body: [String: Any] = ["text": title, "attachments": [["color": color, "blocks": blocks, "fallback": title]]]
        if let channel { body["channel"] = channel }
        if let ts { body["ts"] = ts }
        if let u = config.username { body["username"] = NotificationTemplate.render(u, n, default: u) }
        if let e = config.iconEmoji { body["icon_emoji"] = e }
        if let u = config.iconURL { body["icon_url"] = u }
        return body
    }

    static func defaultText(_ n: AlertNotification) -> String {
        n.alerts.prefix(20).map(NotificationSummary.line).joined(separator: "\n")
            + (n.alerts.count > 20 ? "\n… and \(n.alerts.count - 20) more" : "")
    }

    static func defaultColor(_ n: AlertNotification) -> String {
        switch n.status {
        case .resolved: return "good"
        case .acknowledged: return "#439FE0"
        case .firing: break
        }
        return NotificationSummary.highest(n).score >= 70 ? "danger" : "warning"
    }
}
