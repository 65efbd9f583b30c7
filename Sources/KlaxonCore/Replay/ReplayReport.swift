import Foundation

/// `klaxon replay`'s output: a table per receiver and the verdict changes, or JSON (`-o json`).
public enum ReplayReport {
    public static func text(_ diff: ReplayDiff) -> String {
        var out: [String] = []
        out.append("replayed \(diff.eventCount) event(s) of \(diff.alertCount) alert(s)")
        out.append("")
        let rows = diff.receivers.map { r in
            [r.receiver, "\(r.notificationsBefore) → \(r.notificationsAfter)", "\(r.groupsBefore) → \(r.groupsAfter)",
             "+\(r.gained.count)", "-\(r.lost.count)"]
        }
        out.append(TextTable.render(["RECEIVER", "NOTIFICATIONS", "GROUPS", "GAINED", "LOST"], rows, rule: true))
        for r in diff.receivers where !r.gained.isEmpty || !r.lost.isEmpty {
            out.append("")
            out.append("\(r.receiver):")
            for a in r.gained { out.append("  + \(describe(a))") }
            for a in r.lost { out.append("  - \(describe(a))") }
        }
        if !diff.newlySuppressed.isEmpty {
            out.append("")
            out.append("newly suppressed (\(diff.newlySuppressed.count)):")
            for c in diff.newlySuppressed { out.append("  \(describe(c.alert)): \(c.detail)") }
        }
        if !diff.unsuppressed.isEmpty {
            out.append("")
            out.append("no longer suppressed (\(diff.unsuppressed.count)):")
            for c in diff.unsuppressed { out.append("  \(describe(c.alert)): was \(c.detail)") }
        }
        out.append("")
        out.append(diff.hasChanges ? "the candidate configuration changes what would have been notified" : "no change")
        return out.joined(separator: "\n")
    }

    private static func describe(_ a: ReplayDiff.AlertRef) -> String {
        var s = "\(a.fingerprint) \(a.name) (\(a.severity))"
        if let where_ = a.labels["image"] ?? a.labels["host"] ?? a.labels["container"] { s += " \(where_)" }
        return s
    }

    struct Document: Encodable {
        var changed: Bool
        var events: Int
        var alerts: Int
        var receivers: [Receiver]
        var newlySuppressed: [Verdict]
        var unsuppressed: [Verdict]
    }

    struct Receiver: Encodable {
        var receiver: String
        var notifications: Change
        var groups: Change
        var gained: [AlertJSON]
        var lost: [AlertJSON]
    }

    struct Change: Encodable {
        var current: Int
        var candidate: Int
    }

    struct AlertJSON: Encodable {
        var fingerprint: String
        var name: String
        var severity: String
        var labels: [String: String]
    }

    struct Verdict: Encodable {
        var alert: AlertJSON
        var reason: String
        var rule: String
    }

    public static func json(_ diff: ReplayDiff) -> Data {
        func a(_ r: ReplayDiff.AlertRef) -> AlertJSON {
            AlertJSON(fingerprint: r.fingerprint.description, name: r.name, severity: r.severity, labels: r.labels)
        }
        let doc = Document(
            changed: diff.hasChanges, events: diff.eventCount, alerts: diff.alertCount,
            receivers: diff.receivers.map {
                Receiver(receiver: $0.receiver, notifications: Change(current: $0.notificationsBefore, candidate: $0.notificationsAfter),
                         groups: Change(current: $0.groupsBefore, candidate: $0.groupsAfter),
                         gained: $0.gained.map(a), lost: $0.lost.map(a))
            },
            newlySuppressed: diff.newlySuppressed.map { Verdict(alert: a($0.alert), reason: $0.reason.rawValue, rule: $0.detail) },
            unsuppressed: diff.unsuppressed.map { Verdict(alert: a($0.alert), reason: $0.reason.rawValue, rule: $0.detail) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(doc)) ?? Data("{}".utf8)
    }
}
