/// A matcher that cannot be built: bad syntax, bad label name or bad regular expression.
/// `message` uses Alertmanager's wording (`bad matcher format: …`).
public struct MatcherError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
