import Foundation

/// Runs a history through one configuration on virtual time — the router's own lifecycle,
/// `NoiseFilter`, routing tree and `GroupScheduler` — and records what would have been
/// notified. Sends nothing: pure code, no clock, no I/O.
///
/// Per event, as the service does: overrides (severity, then identity), `AlertLifecycle`, the
/// noise filter (false positives, ignore rules, environment thresholds, `thresholds:` rules),
/// then the routes whose receiver accepts the severity; at each flush inhibition by the alerts
/// firing then mutes. Silences are state of a running service and are not replayed.
public struct ReplaySimulator: Sendable {
    public var config: ReplayConfig

    public init(config: ReplayConfig) { self.config = config }

    /// - Parameter until: flushes run up to this time; default the last event plus the longest
    ///   `group_wait` + `group_interval` of any route, so the last alerts' notifications go out.
    public func run(_ events: [ReplayEvent], until: Date? = nil, progress: ((Int) -> Void)? = nil) -> ReplayOutcome {
        let routing = config.routing
        let filter = NoiseFilter(config: config.noise)
        var scheduler = GroupScheduler(config: routing)
        var thresholds = ThresholdTracker(rules: config.noise.thresholds)
        var states: [Fingerprint: AlertState] = [:]
        var admitted: [Fingerprint: Bool] = [:]
        var verdicts: [Fingerprint: ReplayOutcome.Verdict] = [:]
        var groups: [String: Set<GroupKey>] = [:]
        var notifications: [GroupNotification] = []

        func advance(to t: Date) {
            let firing = states.values.filter { $0.status != .resolved && admitted[$0.alert.fingerprint] == true }.map(\.alert.labels)
            let inhibitor = routing.inhibitRules.isEmpty ? nil : Inhibitor(rules: routing.inhibitRules, firingAlerts: firing)
            let marked = config.falsePositives
            notifications += scheduler.advance(to: t) { alert, at in
                marked.contains(alert.fingerprint)
                    || (inhibitor.map { i in states[alert.fingerprint].map { i.mutes($0.alert.labels, at: at) } ?? false } ?? false)
            }
        }

        func insert(_ alert: Alert, _ grouped: GroupedAlert, at t: Date) {
            let routes = routing.tree.match(alert).filter { routing.receiver(named: $0.receiver)?.accepts(alert.severity.level) ?? false }
            for r in routes { groups[r.receiver, default: []].insert(GroupKey(route: r, labels: alert.labels)) }
            if !routes.isEmpty { scheduler.insert(grouped, labels: alert.labels, routes: routes, at: t) }
        }

        for (i, event) in events.enumerated() {
            advance(to: event.at)
            let alert = config.identityOverrides.apply(to: config.severityOverrides.apply(to: event.alert))
            let fp = alert.fingerprint
            switch event.kind {
            case .report:
                let (state, transition) = AlertLifecycle.report(alert, existing: states[fp], now: event.at)
                states[fp] = state
                let decision = filter.decide(
                    alert, transition: transition, instanceNotified: transition == .duplicate ? (admitted[fp] ?? false) : nil,
                    falsePositives: config.falsePositives, silencer: Silencer(silences: []), inhibitor: nil,
                    thresholds: &thresholds, at: event.at)
                if decision.notifies {
                    admitted[fp] = true
                    verdicts[fp] = .init(alert: alert, reason: nil, detail: nil)
                    insert(alert, GroupedAlert(fingerprint: fp, startsAt: state.firstSeenAt), at: event.at)
                } else if transition != .duplicate || verdicts[fp] == nil {
                    if transition != .duplicate { admitted[fp] = false }
                    verdicts[fp] = .init(alert: alert, reason: decision.reason, detail: decision.detail?.description)
                }
            case .resolve:
                guard let current = states[fp], let resolved = AlertLifecycle.resolve(current, at: event.at) else { continue }
                states[fp] = resolved
                if admitted[fp] == true {
                    insert(alert, GroupedAlert(fingerprint: fp, startsAt: resolved.firstSeenAt, resolvedAt: event.at), at: event.at)
                }
            }
            progress?(i + 1)
        }
        if let end = until ?? events.last.map({ $0.at.addingTimeInterval(Self.settleTime(routing.route)) }) {
            advance(to: end)
        }
        return ReplayOutcome(
            notifications: notifications, verdicts: verdicts, groups: groups, receivers: routing.receivers.map(\.name))
    }

    /// The longest `group_wait` + `group_interval` in the tree, in seconds.
    static func settleTime(_ root: Route) -> TimeInterval {
        root.allRoutes.map { seconds($0.groupWait) + seconds($0.groupInterval) }.max() ?? 0
    }

    private static func seconds(_ d: Duration) -> TimeInterval {
        TimeInterval(d.components.seconds) + TimeInterval(d.components.attoseconds) / 1e18
    }
}
