/// How a matcher compares a label value: `=`, `!=`, `=~` (anchored regex), `!~`.
/// The raw value is the operator as written; the order of cases is Alertmanager's.
public enum MatchType: String, Sendable, Hashable, CaseIterable, Comparable {
    case equal = "="
    case notEqual = "!="
    case regex = "=~"
    case notRegex = "!~"

    public static func < (a: MatchType, b: MatchType) -> Bool { a.order < b.order }

    private var order: Int {
        switch self {
        case .equal: 0
        case .notEqual: 1
        case .regex: 2
        case .notRegex: 3
        }
    }

    var isRegex: Bool { self == .regex || self == .notRegex }
}
