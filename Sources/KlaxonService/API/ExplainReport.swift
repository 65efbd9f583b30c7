import Foundation
import KlaxonCore
import KlaxonStore
import Metrics

/// Why an alert was or was not notified: the noise filter's last verdict, the routes and
/// receivers it reaches now, the silences and inhibition muting it now, whether it is a marked
/// false positive, and the notifications that went out for it.
struct ExplainReport: Encodable {
    struct NotificationLine: Encodable {
        let receiver: String
        let integration: String
        let status: String
        let attempts: Int
        let queuedAt: Date
        let deliveredAt: Date?
        let lastError: String?
    }

    let fingerprint: String
    let alertname: String
    let status: String
    let occurrences: Int
    let sources: [String]
    let lastDecision: String
    let falsePositive: String?
    let routes: [String]
    let receivers: [String]
    let silencedBy: [String]
    let inhibitedBy: [String: String]?
    let notifications: [NotificationLine]
    let summary: String

    static func make(_ state: AlertState, deps: ApiDependencies, now: Date) async throws -> ExplainReport {
        let fp = state.alert.fingerprint
        let live = await deps.grouping.explain(state.alert, now: now)
        let mark = try deps.falsePositives.all().first { $0.fingerprint == fp }
        let notes = try deps.outbox.entries(limit: 10_000).filter { e in e.notification.alerts.contains { $0.fingerprint == fp } }
            .map {
                NotificationLine(
                    receiver: $0.receiver, integration: $0.integration, status: $0.status.rawValue, attempts: $0.attempts,
                    queuedAt: $0.createdAt, deliveredAt: $0.deliveredAt, lastError: $0.lastError)
            }
        let decision = try deps.store.lastDecision(of: fp) ?? ""
        let falsePositive = mark.map { "marked by \($0.markedBy) at \($0.markedAt.formatted(.iso8601)): \($0.reason)" }
        var summary: String
        if let falsePositive {
            summary = "suppressed: false positive (\(falsePositive))"
        } else if !decision.isEmpty && !decision.hasPrefix("notify") {
            summary = decision
        } else if !live.silences.isEmpty {
            summary = "muted by silence \(live.silences.joined(separator: ", "))"
        } else if let inh = live.inhibitedBy {
            summary = "inhibited by \(inh.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))"
        } else if live.receivers.isEmpty {
            summary = "no route reaches a receiver that accepts it"
        } else if notes.isEmpty {
            summary = "waiting for its group's next flush (receivers: \(live.receivers.joined(separator: ", ")))"
        } else {
            summary = "notified: \(notes.map { "\($0.receiver)/\($0.integration) \($0.status)" }.joined(separator: ", "))"
        }
        if state.occurrences > 1 { summary += "; reported \(state.occurrences) times" }
        return ExplainReport(
            fingerprint: fp.description, alertname: state.alert.name, status: state.status.rawValue,
            occurrences: state.occurrences, sources: deps.store.sources(of: fp), lastDecision: decision,
            falsePositive: falsePositive, routes: live.routes, receivers: live.receivers, silencedBy: live.silences,
            inhibitedBy: live.inhibitedBy, notifications: notes, summary: summary)
    }
}

/// `klaxon_false_positive_ratio{source}`: marked false positives over distinct alerts.
enum FalsePositiveRates {
    static func publish(_ rates: [String: (alerts: Int, falsePositives: Int)]) {
        for (source, v) in rates where v.alerts > 0 {
            Gauge(label: "klaxon_false_positive_ratio", dimensions: [("source", source)])
                .record(Double(v.falsePositives) / Double(v.alerts))
        }
    }
}
