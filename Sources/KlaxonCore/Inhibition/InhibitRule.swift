/// Alertmanager's `inhibit_rules` entry: while an alert matching `sourceMatchers` fires, alerts
/// matching `targetMatchers` that have the same values for every `equal` label are muted.
/// (A missing label and an empty one count as equal.) An alert never inhibits itself.
public struct InhibitRule: Sendable, Hashable {
    /// `source_matchers` + `source_match` + `source_match_re`, ANDed.
    public var sourceMatchers: [Matcher]
    /// `target_matchers` + `target_match` + `target_match_re`, ANDed.
    public var targetMatchers: [Matcher]
    /// Label names whose values must be equal in source and target.
    public var equal: [String]

    public init(sourceMatchers: [Matcher], targetMatchers: [Matcher], equal: [String] = []) {
        self.sourceMatchers = sourceMatchers
        self.targetMatchers = targetMatchers
        self.equal = equal
    }
}
