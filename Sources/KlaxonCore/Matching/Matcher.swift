/// One label condition, Alertmanager's `name="value"`, `name!="value"`, `name=~"regex"` or
/// `name!~"regex"`. A missing label compares as the empty string, so `team!="db"` matches an
/// alert without `team` and `team=""` matches only alerts without it (or with it empty).
///
/// Regular expressions are fully anchored (`^(?:regex)$`) and compiled once, when the matcher
/// is built; common shapes (literals, `a|b|c`, `prefix.*`) skip the regex engine altogether.
public struct Matcher: Sendable, Hashable, CustomStringConvertible {
    public let type: MatchType
    public let name: String
    public let value: String
    private let pattern: LabelPattern?

    /// Builds a matcher; throws for a bad label name or (for `=~`/`!~`) a bad regular expression.
    public init(_ type: MatchType, name: String, value: String) throws(MatcherError) {
        guard Matcher.isValidLabelName(name) else {
            throw MatcherError("invalid label name \"\(name)\"")
        }
        self.type = type
        self.name = name
        self.value = value
        self.pattern = type.isRegex ? try LabelPattern(regex: value) : nil
    }

    /// For `=~`: the exact values it matches when the regex is an alternation of literals.
    var literalAlternatives: [String]? { pattern?.literalAlternatives }

    /// For `=~`: the literal every match starts with, when the regex is `literal.*`.
    var literalPrefix: String? { type == .regex ? pattern?.literalPrefix : nil }

    /// Whether a label value (nil when the label is missing) satisfies this matcher.
    @inline(__always)
    public func matches(value candidate: String?) -> Bool {
        let v = candidate ?? ""
        switch type {
        case .equal: return v == value
        case .notEqual: return v != value
        case .regex: return pattern!.matches(v)
        case .notRegex: return !pattern!.matches(v)
        }
    }

    /// Whether a label set satisfies this matcher.
    @inline(__always)
    public func matches(_ labels: [String: String]) -> Bool {
        matches(value: labels[name])
    }

    /// `name="value"` with the value quoted as Go's `%q` does, like Alertmanager prints it.
    public var description: String { name + type.rawValue + GoQuote.quote(value) }

    public static func == (a: Matcher, b: Matcher) -> Bool {
        a.type == b.type && a.name == b.name && a.value == b.value
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(type)
        hasher.combine(name)
        hasher.combine(value)
    }

    /// Prometheus label names: `[a-zA-Z_][a-zA-Z0-9_]*` (Alertmanager also allows `:`).
    public static func isValidLabelName(_ name: String) -> Bool {
        guard let first = name.utf8.first else { return false }
        func isAlpha(_ b: UInt8) -> Bool { (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 || b == 58 }
        guard isAlpha(first) else { return false }
        return name.utf8.allSatisfy { isAlpha($0) || ($0 >= 48 && $0 <= 57) }
    }

    /// Alertmanager's sort order for matcher lists: by name, then value, then type (bytewise).
    public static func alertmanagerOrder(_ a: Matcher, _ b: Matcher) -> Bool {
        if a.name != b.name { return a.name.utf8.lexicographicallyPrecedes(b.name.utf8) }
        if a.value != b.value { return a.value.utf8.lexicographicallyPrecedes(b.value.utf8) }
        return a.type < b.type
    }
}

extension Array where Element == Matcher {
    /// True when every matcher matches (an empty list matches everything).
    @inline(__always)
    public func matches(_ labels: [String: String]) -> Bool {
        for m in self where !m.matches(labels) { return false }
        return true
    }

    /// `{a="b",c=~"d"}`, Alertmanager's `Matchers.String()` (used in route and group keys).
    public var alertmanagerString: String {
        "{" + map(\.description).joined(separator: ",") + "}"
    }
}
