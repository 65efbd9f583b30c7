extension RoutingConfigDecoder {
    func inhibitRule(_ node: ConfigNode) throws(ConfigError) -> InhibitRule {
        let m = try node.mapping(allowed: ["source_match", "source_match_re", "source_matchers",
                                           "target_match", "target_match_re", "target_matchers", "equal"])
        var source: [Matcher] = []
        var target: [Matcher] = []
        if let n = m["source_match"] { source += try matcherMap(n, type: .equal) }
        if let n = m["source_match_re"] { source += try matcherMap(n, type: .regex) }
        if let n = m["source_matchers"] { source += try matcherList(n) }
        if let n = m["target_match"] { target += try matcherMap(n, type: .equal) }
        if let n = m["target_match_re"] { target += try matcherMap(n, type: .regex) }
        if let n = m["target_matchers"] { target += try matcherList(n) }
        var equal: [String] = []
        for item in try m["equal"]?.sequence() ?? [] {
            let name = try item.string()
            guard Matcher.isValidLabelName(name) else { throw item.error(.invalidValue, "invalid label name \"\(name)\"") }
            equal.append(name)
        }
        return InhibitRule(sourceMatchers: source.sorted(by: Matcher.alertmanagerOrder),
                           targetMatchers: target.sorted(by: Matcher.alertmanagerOrder), equal: equal)
    }
}
