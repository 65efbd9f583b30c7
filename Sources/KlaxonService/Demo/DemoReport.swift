import Foundation
import KlaxonCore
import KlaxonStore

/// The demo's closing table: every notification with its alert, receiver, sink and status,
/// then what was dead-lettered and deduplicated.
struct DemoReport {
    let app: KlaxonApp
    let recorder: WebhookRecorder
    let stateDir: String
    let published: Int

    func render() throws -> String {
        let entries = try app.outbox.entries().sorted { $0.id < $1.id }
        let rows = entries.flatMap { e in
            e.notification.alerts.map { a in
                [
                    a.severity.name, "\(a.severity.score)", a.labels["source"] ?? "", a.labels["alertname"] ?? "",
                    subject(a.labels), "\(e.receiver)/\(e.integration)", e.status.rawValue,
                ]
            }
        }
        var out = ["", "Klaxon demo — what went where", ""]
        out.append(TextTable.render(["SEVERITY", "SCORE", "SOURCE", "ALERT", "SUBJECT", "RECEIVER/SINK", "STATUS"], rows, rule: true))
        let ledger = try app.store.ledger()
        let states = try app.store.states()
        let reports = states.reduce(0) { $0 + $1.occurrences }
        out.append("")
        out.append("messages published: \(published), consumed: \(ledger.count)")
        out.append("alerts: \(states.count) distinct, \(reports) reports, \(reports - states.count) suppressed as duplicates")
        for state in states {
            guard let decision = try app.store.lastDecision(of: state.alert.fingerprint), !decision.isEmpty, !decision.hasPrefix("notify")
            else { continue }
            out.append("not notified: \(state.alert.name) (\(state.alert.severity.name)): \(decision)")
        }
        for dead in ledger where dead.isDeadLetter {
            out.append("dead-lettered: \(dead.topic)[\(dead.partition)]@\(dead.offset) → \(app.config.service.kafka.deadLetterTopic): \(dead.outcome.dropFirst("deadletter: ".count))")
        }
        out.append("webhook receiver \(recorder.url): \(recorder.received.count) request(s)")
        out.append("state: \(app.config.service.statePath)")
        for r in app.config.routing.receivers {
            for f in r.fileConfigs { out.append("file sink (\(r.name)): \(f.path)") }
        }
        return out.joined(separator: "\n")
    }

    /// The labels that say what an alert is about, compactly.
    func subject(_ l: [String: String]) -> String {
        let keys = ["cve", "package", "image", "host", "container", "namespace"]
        return keys.compactMap { k in l[k].map { "\(k)=\(truncate($0, 40))" } }.prefix(3).joined(separator: " ")
    }

    func truncate(_ s: String, _ n: Int) -> String { s.count <= n ? s : String(s.prefix(n - 1)) + "…" }
}
