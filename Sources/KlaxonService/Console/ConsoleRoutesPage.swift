import Foundation
import KlaxonCore

/// `GET /routes`: the routing tree, each node with its effective settings (inherited ones
/// included), and a tester backed by `RouteTestRunner`, the code behind `klaxon routes test`.
struct ConsoleRoutesPage {
    struct Node {
        let receiver: String
        let matchers: String
        let continues: Bool
        let settings: String
        let children: [Node]
        let hasChildren: Bool

        init(_ r: Route) {
            receiver = r.receiver
            matchers = r.matchers.alertmanagerString
            continues = r.continue
            var s = [
                "group_by=\(r.groupBy)", "group_wait=\(ConfigDuration.format(r.groupWait))",
                "group_interval=\(ConfigDuration.format(r.groupInterval))", "repeat_interval=\(ConfigDuration.format(r.repeatInterval))",
            ]
            if let m = r.minSeverity { s.append("min_severity=\(m.name)") }
            if !r.muteTimeIntervals.isEmpty { s.append("mute=[\(r.muteTimeIntervals.joined(separator: ", "))]") }
            if !r.activeTimeIntervals.isEmpty { s.append("active=[\(r.activeTimeIntervals.joined(separator: ", "))]") }
            if let e = r.escalation { s.append("escalation=\(e)") }
            settings = s.joined(separator: " · ")
            children = r.routes.map(Node.init)
            hasChildren = !r.routes.isEmpty
        }
    }

    struct Result {
        let receivers: String
        let groupKeys: [String]
        let muted: String?
    }

    let labels: String
    let error: String?
    let result: Result?
    let tree: [Node]

    static func make(_ routing: RoutingConfig, labels text: String, now: Date) -> ConsoleRoutesPage {
        var problem: String?
        var result: Result?
        if !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            do {
                let labels = try ConsoleFormat.labels(text)
                let r = RouteTestRunner(config: routing).run(RouteTestCase(name: "console", labels: labels), now: now)
                result = Result(
                    receivers: r.receivers.isEmpty ? "none" : r.receivers.joined(separator: ", "), groupKeys: r.groupKeys,
                    muted: r.mutedReceivers.isEmpty ? nil : r.mutedReceivers.joined(separator: ", "))
            } catch let failure { problem = ConsoleFormat.message(failure) }
        }
        return ConsoleRoutesPage(labels: text, error: problem, result: result, tree: [Node(routing.route)])
    }
}
