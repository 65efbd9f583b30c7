extension Route {
    /// The part of the tree an alert with these labels walks, drawn as amtool's
    /// `config routes test --tree` draws it: `default-route` for a node without matchers, the
    /// node's matchers otherwise, and on each final node its receiver (amtool 0.25's drawing).
    ///
    ///     .
    ///     └── default-route
    ///         └── {severity="critical"}  receiver: pager
    ///
    /// `severity` is used only by `min_severity` (nil: read from the `severity` label).
    public func matchingTree(for labels: [String: String], severity: Severity.Level? = nil) -> String {
        var lines = ["."]
        var level = severity
        drawMatching(labels, &level, prefix: "", last: true, into: &lines)
        return lines.joined(separator: "\n") + "\n"
    }

    private func drawMatching(_ labels: [String: String], _ level: inout Severity.Level?, prefix: String, last: Bool, into lines: inout [String]) {
        var matched: [Route] = []
        for child in routes where child.admits(labels, severity: &level) {
            matched.append(child)
            if !child.continue { break }
        }
        var slug = matchers.isEmpty ? "default-route" : matchers.alertmanagerString
        if matched.isEmpty { slug += "  receiver: " + receiver }
        lines.append(prefix + (last ? "└── " : "├── ") + slug)
        for (i, child) in matched.enumerated() {
            child.drawMatching(labels, &level, prefix: prefix + (last ? "    " : "│   "), last: i == matched.count - 1, into: &lines)
        }
    }
}
