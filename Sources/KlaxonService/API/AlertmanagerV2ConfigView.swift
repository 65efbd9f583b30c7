import Foundation
import KlaxonCore
import Yams

/// The `config.original` of `GET /api/v2/status`: Klaxon's routing as an `alertmanager.yml`
/// that Alertmanager's own parser accepts (amtool's `config routes` loads it strictly). The
/// route tree, receiver names, inhibition rules and time-interval names carry over; Klaxon's
/// extensions (`min_severity`, `escalation`, `resolve_timeout`, its receiver kinds, noise
/// rules) and the integrations' settings (which may hold secrets) are left out.
struct AlertmanagerV2ConfigView: Encodable {
    struct RouteView: Encodable {
        let receiver: String
        let group_by: [String]
        let matchers: [String]?
        let `continue`: Bool?
        let group_wait: String
        let group_interval: String
        let repeat_interval: String
        let mute_time_intervals: [String]?
        let active_time_intervals: [String]?
        let routes: [RouteView]?

        init(_ r: Route) {
            receiver = r.receiver
            switch r.groupBy {
            case .all: group_by = ["..."]
            case .labels(let names): group_by = names
            }
            matchers = r.matchers.isEmpty ? nil : r.matchers.map(\.description)
            `continue` = r.continue ? true : nil
            group_wait = AlertmanagerV2ConfigView.duration(r.groupWait)
            group_interval = AlertmanagerV2ConfigView.duration(r.groupInterval)
            repeat_interval = AlertmanagerV2ConfigView.duration(r.repeatInterval)
            mute_time_intervals = r.muteTimeIntervals.isEmpty ? nil : r.muteTimeIntervals
            active_time_intervals = r.activeTimeIntervals.isEmpty ? nil : r.activeTimeIntervals
            routes = r.routes.isEmpty ? nil : r.routes.map(RouteView.init)
        }
    }

    struct ReceiverView: Encodable { let name: String }

    struct InhibitView: Encodable {
        let source_matchers: [String]
        let target_matchers: [String]
        let equal: [String]?
    }

    struct TimeIntervalView: Encodable { let name: String }

    let route: RouteView
    let receivers: [ReceiverView]
    let inhibit_rules: [InhibitView]?
    let time_intervals: [TimeIntervalView]?

    init(_ routing: RoutingConfig) {
        route = RouteView(routing.route)
        receivers = routing.receivers.map { ReceiverView(name: $0.name) }
        inhibit_rules = routing.inhibitRules.isEmpty ? nil : routing.inhibitRules.map {
            InhibitView(
                source_matchers: $0.sourceMatchers.map(\.description), target_matchers: $0.targetMatchers.map(\.description),
                equal: $0.equal.isEmpty ? nil : $0.equal)
        }
        time_intervals = routing.timeIntervals.isEmpty ? nil : routing.timeIntervals.map { TimeIntervalView(name: $0.name) }
    }

    /// The YAML text, with a header saying what it is.
    static func yaml(_ routing: RoutingConfig) -> String {
        let body = (try? YAMLEncoder().encode(AlertmanagerV2ConfigView(routing))) ?? ""
        return """
            # Klaxon's routing tree as an alertmanager.yml: receivers by name only (their integrations
            # and secrets stay in Klaxon), time intervals by name only, Klaxon's route extensions
            # (min_severity, escalation, resolve_timeout) and noise rules left out.

            """ + body
    }

    /// Prometheus' duration form (`model.Duration.String()`): `30s`, `5m`, `4h`, `1d12h`.
    static func duration(_ d: Duration) -> String {
        var ms = d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
        if ms == 0 { return "0s" }
        var out = ""
        for (unit, size) in [("y", Int64(365 * 86_400_000)), ("w", 7 * 86_400_000), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)]
        where ms >= size {
            out += "\(ms / size)\(unit)"
            ms %= size
        }
        return out
    }
}
