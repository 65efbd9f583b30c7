/// The label arguments of `klaxon routes test`, read as `amtool config routes test` reads them:
/// each argument is a matcher (`name=value`, `name="value"`) and only `=` is allowed, so a bad
/// label name (`foo-bar=x`) or another operator (`severity=~critical`) is refused, never
/// silently turned into a label.
public enum RouteTestLabels {
    /// The label set; later arguments win for a repeated name, as in amtool.
    /// - Throws: `MatcherError` with amtool's wording, prefixed `Failed to parse labels:`.
    public static func parse(_ arguments: [String]) throws(MatcherError) -> [String: String] {
        var labels: [String: String] = [:]
        for argument in arguments {
            let matcher: Matcher
            do { matcher = try Matcher(parsing: argument) } catch { throw MatcherError("Failed to parse labels: \(error.message)") }
            guard matcher.type == .equal else {
                throw MatcherError("Failed to parse labels: labels must be specified as key=value pairs, got \(argument)")
            }
            labels[matcher.name] = matcher.value
        }
        return labels
    }

    /// amtool's `--verify.receivers` check: the receivers, joined by commas, equal `expected`
    /// exactly (order and repeats count).
    public static func verify(_ receivers: [String], expected: String) -> Bool {
        receivers.joined(separator: ",") == expected
    }
}
