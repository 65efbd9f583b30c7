/// Which labels split a route's alerts into aggregation groups: a list of label names, or
/// every label (`group_by: ['...']`). An empty list puts all of a route's alerts in one group.
public enum GroupBy: Sendable, Hashable, CustomStringConvertible {
    case labels([String])
    case all

    /// The group labels of an alert: the listed labels it has (all its labels for `.all`).
    public func groupLabels(of labels: [String: String]) -> [String: String] {
        switch self {
        case .all:
            return labels
        case let .labels(names):
            var out: [String: String] = [:]
            for n in names { if let v = labels[n] { out[n] = v } }
            return out
        }
    }

    public var description: String {
        switch self {
        case .all: "[...]"
        case let .labels(names): "[" + names.joined(separator: ", ") + "]"
        }
    }
}
