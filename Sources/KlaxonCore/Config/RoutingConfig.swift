/// The routing part of Klaxon's configuration: Alertmanager's `route`, `receivers`,
/// `inhibit_rules` and `time_intervals` (plus the deprecated `mute_time_intervals`), with
/// Klaxon's additions. Loaded from one `alertmanager.yml` or merged from several `routes/*.yml`.
public struct RoutingConfig: Sendable {
    /// The root of the routing tree, options resolved. Setting it recompiles `tree`.
    public var route: Route {
        didSet { tree = RoutingTree(root: route) }
    }
    /// `route` compiled for fast matching; use `tree.match(_:)` / `tree.receivers(for:)` on the hot path.
    public private(set) var tree: RoutingTree
    public var receivers: [Receiver]
    public var inhibitRules: [InhibitRule]
    /// `time_intervals` and `mute_time_intervals`, in document order.
    public var timeIntervals: [NamedTimeInterval]
    /// Things accepted but ignored (`global`, `templates`, unsupported receiver kinds, inline
    /// secrets, …), each with its position.
    public var warnings: [ConfigWarning]
    /// Klaxon's `escalation_policies:` (routes name them with `escalation:`).
    public var escalationPolicies: [EscalationPolicy] = []
    /// Alertmanager's `global.resolve_timeout` (default 5m): how long after its push an alert
    /// sent to `POST /api/v2/alerts` without `endsAt` stays firing unless pushed again.
    public var resolveTimeout: Duration = Self.defaultResolveTimeout
    public static let defaultResolveTimeout: Duration = .seconds(300)

    public init(route: Route, receivers: [Receiver], inhibitRules: [InhibitRule] = [],
                timeIntervals: [NamedTimeInterval] = [], warnings: [ConfigWarning] = []) {
        self.route = route
        self.tree = RoutingTree(root: route)
        self.receivers = receivers
        self.inhibitRules = inhibitRules
        self.timeIntervals = timeIntervals
        self.warnings = warnings
    }

    /// The receiver with this name, if defined.
    public func receiver(named name: String) -> Receiver? {
        receivers.first { $0.name == name }
    }

    /// The escalation policy with this name, if defined.
    public func escalationPolicy(named name: String) -> EscalationPolicy? {
        escalationPolicies.first { $0.name == name }
    }

    /// The `resolve_timeout` of the first route that routes `alert` and has one (nil: none).
    public func resolveTimeout(for alert: Alert) -> Duration? {
        tree.match(alert).lazy.compactMap(\.resolveTimeout).first
    }

    /// The shortest `resolve_timeout` of any route (nil: no route sets one).
    public var shortestRouteResolveTimeout: Duration? {
        func walk(_ r: Route) -> [Duration] { (r.resolveTimeout.map { [$0] } ?? []) + r.routes.flatMap(walk) }
        return walk(route).min()
    }

    /// Time intervals by name, for `Route.isMuted(at:intervals:)`.
    public var timeIntervalsByName: [String: NamedTimeInterval] {
        Dictionary(timeIntervals.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Loads one document (an `alertmanager.yml` or a single routes file). `file` is only used
    /// in error messages; nothing is read from disk.
    public static func load(yaml: String, file: String) throws(ConfigError) -> RoutingConfig {
        try load([ConfigSource(file: file, yaml: yaml)])
    }

    /// Loads and merges several documents (e.g. every `routes/*.yml`, in the caller's order).
    /// Exactly one of them holds `route`; `receivers`, `inhibit_rules` and `time_intervals`
    /// are concatenated; names must be unique across all of them.
    public static func load(_ sources: [ConfigSource]) throws(ConfigError) -> RoutingConfig {
        var loader = RoutingConfigLoader()
        for source in sources { try loader.add(source) }
        return try loader.finish(firstFile: sources.first?.file ?? "")
    }
}
