extension RoutingConfigDecoder {
    static let routeKeys: Set<String> = [
        "receiver", "group_by", "continue", "matchers", "match", "match_re", "group_wait", "group_interval",
        "repeat_interval", "mute_time_intervals", "active_time_intervals", "routes", "min_severity", "escalation",
        "resolve_timeout",
    ]

    /// Decodes a route node, resolving inherited options from `parent` (nil for the root).
    mutating func route(_ node: ConfigNode, parent: Route?, index: Int) throws(ConfigError) -> Route {
        let m = try node.mapping(allowed: RoutingConfigDecoder.routeKeys)
        var r = parent ?? Route(receiver: "")
        r.routes = []
        r.file = file
        r.line = node.line
        r.minSeverity = nil
        r.continue = try m.bool("continue") ?? false

        if let n = m["receiver"] {
            let name = try n.string()
            if !name.isEmpty {
                r.receiver = name
                receiverReferences.append((name, n))
            }
        }
        if let n = m["group_by"] {
            var labels: [String] = []
            var all = false
            for item in try n.sequence() {
                let name = try item.string()
                if name == "..." { all = true; continue }
                guard Matcher.isValidLabelName(name) else {
                    throw item.error(.invalidValue, "invalid label name \"\(name)\" in group_by list")
                }
                guard !labels.contains(name) else { throw item.error(.duplicate, "duplicated label \"\(name)\" in group_by") }
                labels.append(name)
            }
            if all && !labels.isEmpty {
                throw n.error(.invalidValue, "cannot have wildcard group_by (`...`) and other other labels at the same time")
            }
            // Alertmanager: an explicitly empty list inherits like an absent one.
            if all { r.groupBy = .all } else if !labels.isEmpty { r.groupBy = .labels(labels) }
        }
        if let n = m["group_wait"] { r.groupWait = try n.duration() }
        if let n = m["group_interval"] {
            r.groupInterval = try n.duration()
            if r.groupInterval == .zero { throw n.error(.invalidValue, "group_interval cannot be zero") }
        }
        if let n = m["repeat_interval"] {
            r.repeatInterval = try n.duration()
            if r.repeatInterval == .zero { throw n.error(.invalidValue, "repeat_interval cannot be zero") }
        }
        var matchers: [Matcher] = []
        if let n = m["match"] { matchers += try matcherMap(n, type: .equal) }
        if let n = m["match_re"] { matchers += try matcherMap(n, type: .regex) }
        if let n = m["matchers"] { matchers += try matcherList(n) }
        r.matchers = matchers.sorted(by: Matcher.alertmanagerOrder)
        if let n = m["min_severity"] { r.minSeverity = try severityLevel(n) }
        if let n = m["escalation"] {
            let name = try n.string()
            r.escalation = name.isEmpty ? nil : name
            if !name.isEmpty { escalationReferences.append((name, n)) }
        }
        if let n = m["resolve_timeout"] {
            let timeout = try n.duration()
            if timeout <= .zero { throw n.error(.invalidValue, "resolve_timeout must be positive") }
            // Findings resolve by their next scan or their source's state, never by silence.
            let pinned = (r.matchers + pinnedSources).filter { $0.name == "source" && $0.type == .equal }.map(\.value)
            if let scanner = pinned.first(where: { LifecycleConfig.neverTimesOut.contains($0) }) {
                throw n.error(
                    .invalidValue,
                    "resolve_timeout cannot apply to source \"\(scanner)\": its alerts resolve by the next scan or by their source's state")
            }
            r.resolveTimeout = timeout
        }
        r.muteTimeIntervals = []
        r.activeTimeIntervals = []
        for (key, isMute) in [("mute_time_intervals", true), ("active_time_intervals", false)] {
            guard let n = m[key] else { continue }
            for item in try n.sequence() {
                let name = try item.string()
                timeIntervalReferences.append((name, item))
                if isMute { r.muteTimeIntervals.append(name) } else { r.activeTimeIntervals.append(name) }
            }
        }

        if let parent {
            r.key = parent.key + "/" + r.matchers.alertmanagerString
            r.id = r.key + "/\(index)"
        } else {
            r.key = r.matchers.alertmanagerString
            r.id = r.key
            if r.receiver.isEmpty { throw node.error(.missingKey, "root route must specify a default receiver") }
            if !r.matchers.isEmpty { throw node.error(.invalidValue, "root route must not have any matchers") }
            if r.continue { throw node.error(.invalidValue, "cannot have continue in root route") }
            if let n = m["mute_time_intervals"], !r.muteTimeIntervals.isEmpty {
                throw n.error(.invalidValue, "root route must not have any mute time intervals")
            }
            if let n = m["active_time_intervals"], !r.activeTimeIntervals.isEmpty {
                throw n.error(.invalidValue, "root route must not have any active time intervals")
            }
        }
        var children: [Route] = []
        let outer = pinnedSources
        pinnedSources += r.matchers.filter { $0.name == "source" && $0.type == .equal }
        for (i, item) in try (m["routes"]?.sequence() ?? []).enumerated() {
            children.append(try route(item, parent: r, index: i))
        }
        pinnedSources = outer
        r.routes = children
        return r
    }
}
