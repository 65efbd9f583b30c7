import Foundation
import KlaxonCore

/// `GET /alerts/:fingerprint`: labels, annotations, severity and its origin, `explain`, the
/// history timeline, and the actions (for a signed-in session).
struct ConsoleAlertPage {
    struct Explain {
        struct Line {
            let receiver: String
            let integration: String
            let status: String
            let attempts: Int
            let queuedAt: String
            let deliveredAt: String?
            let lastError: String?
        }

        let summary: String
        let lastDecision: String?
        let falsePositive: String?
        let routes: String
        let receivers: String
        let silencedBy: String?
        let inhibitedBy: String?
        let notifications: [Line]
        let hasNotifications: Bool
    }

    struct Event {
        let at: String
        let kind: String
        let actor: String
        let detail: String?
    }

    let fingerprint: String
    let name: String
    let severity: ConsoleFormat.SeverityView
    let severityOrigin: String
    let status: String
    let sources: String
    let firstSeen: String
    let lastSeen: String
    let age: String
    let occurrences: Int
    let regressions: Int
    let acknowledgedAt: String?
    let resolvedAt: String?
    let canAck: Bool
    let canResolve: Bool
    let silenceHref: String
    let explain: Explain
    let history: [Event]
    let labels: [ConsoleFormat.Pair]
    let annotations: [ConsoleFormat.Pair]
    let session: ConsoleSession?
    let csrf: String?

    static func make(
        _ state: AlertState, explain r: ExplainReport, history: [AlertEvent], session: ConsoleSession?, now: Date
    ) -> ConsoleAlertPage {
        let a = state.alert
        let explain = Explain(
            summary: r.summary, lastDecision: r.lastDecision.isEmpty ? nil : r.lastDecision, falsePositive: r.falsePositive,
            routes: r.routes.isEmpty ? "none" : r.routes.joined(separator: ", "),
            receivers: r.receivers.isEmpty ? "none" : r.receivers.joined(separator: ", "),
            silencedBy: r.silencedBy.isEmpty ? nil : r.silencedBy.joined(separator: ", "),
            inhibitedBy: r.inhibitedBy.map { GroupKey.labelSetString($0) },
            notifications: r.notifications.map {
                Explain.Line(
                    receiver: $0.receiver, integration: $0.integration, status: $0.status, attempts: $0.attempts,
                    queuedAt: ConsoleFormat.time($0.queuedAt) ?? "", deliveredAt: ConsoleFormat.time($0.deliveredAt), lastError: $0.lastError)
            },
            hasNotifications: !r.notifications.isEmpty)
        let events = history.map { e -> Event in
            var detail = e.reason
            if e.count > 1 { detail = "\(e.count) reports" + (e.lastAt.flatMap(ConsoleFormat.time).map { ", last at \($0)" } ?? "") + (detail.isEmpty ? "" : ": \(detail)") }
            if let d = e.delivery { detail += " [\(d)]" }
            return Event(at: ConsoleFormat.time(e.at) ?? "", kind: e.kind.rawValue, actor: e.actor, detail: detail.isEmpty ? nil : detail)
        }
        return ConsoleAlertPage(
            fingerprint: a.fingerprint.description, name: a.name.isEmpty ? "(no alertname)" : a.name, severity: .init(a.severity),
            severityOrigin: ConsoleFormat.severityOrigin(a), status: state.status.rawValue, sources: r.sources.joined(separator: ", "),
            firstSeen: ConsoleFormat.time(state.firstSeenAt) ?? "", lastSeen: ConsoleFormat.time(state.lastSeenAt) ?? "",
            age: ConsoleFormat.age(now.timeIntervalSince(state.firstSeenAt)), occurrences: state.occurrences,
            regressions: state.regressions, acknowledgedAt: ConsoleFormat.time(state.acknowledgedAt),
            resolvedAt: ConsoleFormat.time(state.resolvedAt), canAck: state.status == .firing, canResolve: state.status != .resolved,
            silenceHref: silenceLink(a), explain: explain, history: events, labels: ConsoleFormat.pairs(a.labels),
            annotations: ConsoleFormat.pairs(a.annotations), session: session, csrf: session?.csrf)
    }

    /// The silences page with matchers for this alert: its name and what it is about.
    static func silenceLink(_ a: Alert) -> String {
        let keys = ["alertname", "cve", "package", "image", "host", "container", "namespace", "rule"]
        let matchers = keys.compactMap { k in a.labels[k].flatMap { try? Matcher(.equal, name: k, value: $0).description } }
            .joined(separator: "\n")
        var c = URLComponents()
        c.path = "/silences"
        c.queryItems = [URLQueryItem(name: "matchers", value: matchers), URLQueryItem(name: "duration", value: "2h"),
                        URLQueryItem(name: "comment", value: "silenced from the console: \(a.name)")]
        // URLComponents leaves `+` alone in queries; forms read it as a space.
        return c.string?.replacingOccurrences(of: "+", with: "%2B") ?? "/silences"
    }
}
