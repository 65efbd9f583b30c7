import Foundation
import KlaxonCore

/// `GET /`: the alerts, filtered and grouped as the routing tree groups them. The state
/// checkboxes follow `klaxon alerts list -a/-s/-i`: with none ticked only active alerts
/// (firing or acknowledged, neither silenced nor inhibited) show; `resolved` adds resolved ones.
struct ConsoleAlertsPage {
    struct Row {
        let fingerprint: String
        let name: String
        let severity: ConsoleFormat.SeverityView
        let status: String
        let muted: String?
        let age: String
        let firstSeen: String
        let occurrences: Int
        let sources: String
        let subject: String
    }

    struct Group {
        let receiver: String
        let key: String
        let rows: [Row]
        let top: Severity
    }

    struct Count { let label: String; let count: Int }
    struct StateBox { let name: String; let checked: Bool }
    struct Option { let value: String; let selected: Bool }
    struct Select { let label: String; let name: String; let options: [Option] }

    /// The query: states shown and label filters.
    struct Query {
        var active = false
        var silenced = false
        var inhibited = false
        var resolved = false
        var filter = ""
        var severity = ""
        var source = ""
        var environment = ""
        var receiver = ""

        init(_ q: [String: String]) {
            func on(_ k: String) -> Bool { !(q[k] ?? "").isEmpty && q[k] != "0" }
            active = on("active")
            silenced = on("silenced")
            inhibited = on("inhibited")
            resolved = on("resolved")
            if !active && !silenced && !inhibited && !resolved { active = true }
            filter = q["filter"] ?? ""
            severity = q["severity"] ?? ""
            source = q["source"] ?? ""
            environment = q["environment"] ?? ""
            receiver = q["receiver"] ?? ""
        }

        func shows(_ a: ApiActions.Listed) -> Bool {
            if a.state.status == .resolved { return resolved }
            let isSilenced = !a.silencedBy.isEmpty
            return (active && !isSilenced && !a.inhibited) || (silenced && isSilenced) || (inhibited && a.inhibited)
        }
    }

    let counts: [Count]
    let states: [StateBox]
    let selects: [Select]
    let filter: String
    let error: String?
    let groups: [Group]
    let groupCount: Int
    let shown: Int
    let truncated: Bool
    let limit: Int

    /// At most this many alerts are drawn (each in every group it belongs to).
    static let rowLimit = 1000

    static func make(
        _ listed: [ApiActions.Listed], query: Query, routing: RoutingConfig, now: Date, sources: (Fingerprint) -> [String]
    ) -> ConsoleAlertsPage {
        var problem: String?
        var matchers: [Matcher] = []
        do { matchers = try ConsoleFormat.matchers(query.filter) } catch let failure { problem = ConsoleFormat.message(failure) }
        let labelled = listed.filter { a in
            let l = a.state.alert.labels
            return matchers.allSatisfy { $0.matches(withSeverity(a.state.alert)) }
                && (query.severity.isEmpty || a.state.alert.severity.name == query.severity)
                && (query.source.isEmpty || l["source"] == query.source)
                && (query.environment.isEmpty || l["environment"] == query.environment)
        }
        let counts = [
            Count(label: "firing", count: labelled.filter { $0.state.status == .firing && $0.silencedBy.isEmpty && !$0.inhibited }.count),
            Count(label: "acknowledged", count: labelled.filter { $0.state.status == .acknowledged }.count),
            Count(label: "silenced", count: labelled.filter { !$0.silencedBy.isEmpty }.count),
            Count(label: "inhibited", count: labelled.filter { $0.inhibited }.count),
            Count(label: "resolved", count: labelled.filter { $0.state.status == .resolved }.count),
        ]
        let shown = labelled.filter(query.shows).sorted {
            ($0.state.alert.severity, $1.state.firstSeenAt) > ($1.state.alert.severity, $0.state.firstSeenAt)
        }
        let drawn = Array(shown.prefix(rowLimit))
        var byGroup: [String: (receiver: String, key: String, rows: [Row], top: Severity)] = [:]
        var order: [String] = []
        for a in drawn {
            let alert = a.state.alert
            let routes = routing.tree.match(alert).filter { routing.receiver(named: $0.receiver)?.accepts(alert.severity.level) ?? false }
            let places = routes.isEmpty
                ? [("(no receiver)", "no route reaches a receiver that accepts it")]
                : routes.map { ($0.receiver, GroupKey(route: $0, labels: alert.labels).value) }
            let row = makeRow(a, now: now, sources: sources)
            for (receiver, key) in places where query.receiver.isEmpty || receiver == query.receiver {
                let id = receiver + "\u{0}" + key
                if byGroup[id] == nil {
                    byGroup[id] = (receiver, key, [], alert.severity)
                    order.append(id)
                }
                byGroup[id]!.rows.append(row)
            }
        }
        // Groups in the order of their most severe alert (rows come sorted).
        let groups = order.compactMap { byGroup[$0] }.map { Group(receiver: $0.receiver, key: $0.key, rows: $0.rows, top: $0.top) }
        let inGroups = Set(groups.flatMap { $0.rows.map(\.fingerprint) })

        func values(_ key: String) -> [String] { Array(Set(listed.compactMap { $0.state.alert.labels[key] })).sorted() }
        func select(_ label: String, _ name: String, _ values: [String], _ current: String) -> Select {
            Select(label: label, name: name, options: values.map { Option(value: $0, selected: $0 == current) })
        }
        return ConsoleAlertsPage(
            counts: counts,
            states: [
                StateBox(name: "active", checked: query.active), StateBox(name: "silenced", checked: query.silenced),
                StateBox(name: "inhibited", checked: query.inhibited), StateBox(name: "resolved", checked: query.resolved),
            ],
            selects: [
                select("Severity", "severity", Severity.Level.allCases.reversed().map(\.name), query.severity),
                select("Source", "source", values("source"), query.source),
                select("Environment", "environment", values("environment"), query.environment),
                select("Receiver", "receiver", routing.receivers.map(\.name), query.receiver),
            ],
            filter: query.filter, error: problem, groups: groups, groupCount: groups.count, shown: inGroups.count,
            truncated: shown.count > drawn.count, limit: rowLimit)
    }

    /// Labels as matchers see them: `severity` filled in from the normalized severity when the
    /// source gave none (as `klaxon alerts list` does).
    static func withSeverity(_ alert: Alert) -> [String: String] {
        var l = alert.labels
        l["severity"] = l["severity"] ?? alert.severity.name
        return l
    }

    static func makeRow(_ a: ApiActions.Listed, now: Date, sources: (Fingerprint) -> [String]) -> Row {
        let s = a.state
        var muted: [String] = []
        if !a.silencedBy.isEmpty { muted.append("silenced by " + a.silencedBy.joined(separator: ", ")) }
        if a.inhibited { muted.append("inhibited") }
        return Row(
            fingerprint: s.alert.fingerprint.description, name: s.alert.name.isEmpty ? "(no alertname)" : s.alert.name,
            severity: .init(s.alert.severity), status: s.status.rawValue, muted: muted.isEmpty ? nil : muted.joined(separator: "; "),
            age: ConsoleFormat.age(now.timeIntervalSince(s.firstSeenAt)), firstSeen: ConsoleFormat.time(s.firstSeenAt) ?? "",
            occurrences: s.occurrences, sources: sources(s.alert.fingerprint).joined(separator: ", "),
            subject: ConsoleFormat.subject(s.alert.labels))
    }
}
