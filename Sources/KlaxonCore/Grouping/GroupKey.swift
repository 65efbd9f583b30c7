/// The identity of an aggregation group, printed as Alertmanager prints it: the route key, `:`,
/// then the group labels sorted by name, `{alertname="X", cluster="eu"}`.
public struct GroupKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let value: String

    public init(_ value: String) { self.value = value }

    /// The key of the group an alert with these labels joins on a route.
    public init(route: Route, labels: [String: String]) {
        self.init(routeKey: route.key, groupLabels: route.groupBy.groupLabels(of: labels))
    }

    public init(routeKey: String, groupLabels: [String: String]) {
        value = routeKey + ":" + GroupKey.labelSetString(groupLabels)
    }

    /// Prometheus' `LabelSet.String()`: `{a="1", b="2"}`, sorted, values quoted like Go's `%q`.
    public static func labelSetString(_ labels: [String: String]) -> String {
        let pairs = labels.map { $0.key + "=" + GoQuote.quote($0.value) }
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return "{" + pairs.joined(separator: ", ") + "}"
    }

    public var description: String { value }
    public static func < (a: GroupKey, b: GroupKey) -> Bool { a.value.utf8.lexicographicallyPrecedes(b.value.utf8) }
}
