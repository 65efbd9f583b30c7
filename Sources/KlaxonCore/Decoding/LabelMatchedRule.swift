/// An override rule that applies to alerts whose labels include all of `match`.
protocol LabelMatchedRule {
    var match: [String: String] { get }
}

extension LabelMatchedRule {
    func matches(_ labels: [String: String]) -> Bool {
        match.allSatisfy { labels[$0.key] == $0.value }
    }
}

extension Array where Element: LabelMatchedRule {
    /// The matching rule with the most labels; among equally specific ones, the first listed.
    func mostSpecific(for labels: [String: String]) -> Element? {
        var best: Element?
        for r in self where r.matches(labels) {
            if let b = best, r.match.count <= b.match.count { continue }
            best = r
        }
        return best
    }
}
