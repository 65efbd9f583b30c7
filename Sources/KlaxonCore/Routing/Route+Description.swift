extension Route {
    /// The tree as text for `klaxon routes show`: one node per line with box-drawing branches,
    /// its matchers, receiver, and the options it changes from its parent.
    ///
    ///     {} → default  group_by=[alertname, cluster] group_wait=1s group_interval=2s repeat_interval=1h
    ///     ├─ {source="prometheus"} → audit  continue
    ///     └─ {severity="critical"} → pager
    ///        └─ {team="db"} → db-pager
    public var treeDescription: String {
        var lines: [String] = []
        describe(parent: nil, prefix: "", branch: "", into: &lines)
        return lines.joined(separator: "\n") + "\n"
    }

    private func describe(parent: Route?, prefix: String, branch: String, into lines: inout [String]) {
        var options: [String] = []
        if parent == nil || parent?.groupBy != groupBy { options.append("group_by=\(groupBy)") }
        if parent == nil || parent?.groupWait != groupWait { options.append("group_wait=\(ConfigDuration.format(groupWait))") }
        if parent == nil || parent?.groupInterval != groupInterval {
            options.append("group_interval=\(ConfigDuration.format(groupInterval))")
        }
        if parent == nil || parent?.repeatInterval != repeatInterval {
            options.append("repeat_interval=\(ConfigDuration.format(repeatInterval))")
        }
        if let minSeverity { options.append("min_severity=\(minSeverity.name)") }
        if !muteTimeIntervals.isEmpty { options.append("mute=[\(muteTimeIntervals.joined(separator: ", "))]") }
        if !activeTimeIntervals.isEmpty { options.append("active=[\(activeTimeIntervals.joined(separator: ", "))]") }
        if self.continue { options.append("continue") }
        var line = prefix + branch + matchers.alertmanagerString + " → " + receiver
        if !options.isEmpty { line += "  " + options.joined(separator: " ") }
        lines.append(line)
        let childPrefix = prefix + (branch.isEmpty ? "" : (branch == "└─ " ? "   " : "│  "))
        for (i, child) in routes.enumerated() {
            child.describe(parent: self, prefix: childPrefix, branch: i == routes.count - 1 ? "└─ " : "├─ ", into: &lines)
        }
    }
}
