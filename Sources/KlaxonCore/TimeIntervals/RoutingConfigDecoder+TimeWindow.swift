import Foundation

extension RoutingConfigDecoder {
    func namedTimeInterval(_ node: ConfigNode, section: String) throws(ConfigError) -> NamedTimeInterval {
        let m = try node.mapping(allowed: ["name", "time_intervals"])
        guard let name = try m.string("name"), !name.isEmpty else {
            throw node.error(.missingKey, section == "mute_time_intervals" ? "missing name in mute time interval" : "missing name in time interval")
        }
        var windows: [TimeWindow] = []
        for item in try m["time_intervals"]?.sequence() ?? [] { windows.append(try timeWindow(item)) }
        return NamedTimeInterval(name: name, windows: windows)
    }

    func timeWindow(_ node: ConfigNode) throws(ConfigError) -> TimeWindow {
        let m = try node.mapping(allowed: ["times", "weekdays", "days_of_month", "months", "years", "location"])
        var w = TimeWindow()
        for item in try m["times"]?.sequence() ?? [] {
            let tm = try item.mapping(allowed: ["start_time", "end_time"])
            let startNode = try tm.required("start_time"), endNode = try tm.required("end_time")
            let start = try minutes(startNode), end = try minutes(endNode)
            guard start < end else { throw item.error(.invalidValue, "start time cannot be equal or greater than end time") }
            w.times.append(.init(startMinute: start, endMinute: end))
        }
        for item in try m["weekdays"]?.sequence() ?? [] {
            let r = try bounds(item) { s in TimeWindow.weekdayNames.firstIndex(of: s.lowercased()) }
            guard r.begin <= r.end else { throw item.error(.invalidValue, "start day cannot be before end day") }
            w.weekdays.append(r)
        }
        for item in try m["days_of_month"]?.sequence() ?? [] {
            let r = try bounds(item) { s in Int(s).flatMap { $0 != 0 && $0 >= -31 && $0 <= 31 ? $0 : nil } }
            if r.begin < 0 && r.end > 0 {
                throw item.error(.invalidValue, "end day must be negative if start day is negative")
            }
            let b = r.begin < 0 ? 28 + r.begin : r.begin, e = r.end < 0 ? 28 + r.end : r.end
            guard b <= e else { throw item.error(.invalidValue, "end day \(r.end) is always before start day \(r.begin)") }
            w.daysOfMonth.append(r)
        }
        for item in try m["months"]?.sequence() ?? [] {
            let r = try bounds(item) { s in
                if let i = TimeWindow.monthNames.firstIndex(of: s.lowercased()) { return i + 1 }
                return Int(s).flatMap { (1...12).contains($0) ? $0 : nil }
            }
            guard r.begin <= r.end else { throw item.error(.invalidValue, "end month is before start month") }
            w.months.append(r)
        }
        for item in try m["years"]?.sequence() ?? [] {
            let r = try bounds(item) { s in Int(s).flatMap { $0 > 0 ? $0 : nil } }
            guard r.begin <= r.end else { throw item.error(.invalidValue, "end year \(r.end) is before start year \(r.begin)") }
            w.years.append(r)
        }
        if let n = m["location"] {
            let name = try n.string()
            let zone = name == "Local" ? TimeZone.current : TimeZone(identifier: name)
            guard let zone else { throw n.error(.invalidValue, "unknown time zone \(name)") }
            w.location = zone
        }
        return w
    }

    /// `HH:MM`, 00:00 … 24:00.
    private func minutes(_ node: ConfigNode) throws(ConfigError) -> Int {
        let s = try node.string()
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
              let h = Int(parts[0]), let m = Int(parts[1]), (0...24).contains(h), (0...59).contains(m),
              h < 24 || m == 0 else {
            throw node.error(.invalidValue, "couldn't parse timestamp \(s), invalid format")
        }
        return h * 60 + m
    }

    /// `x` or `x:y`, each side parsed by `value`.
    private func bounds(_ node: ConfigNode, _ value: (String) -> Int?) throws(ConfigError) -> TimeWindow.Bounds {
        let s = try node.string()
        let parts = s.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count <= 2, let b = value(parts[0]), let e = value(parts.count == 2 ? parts[1] : parts[0]) else {
            throw node.error(.invalidValue, "\"\(s)\" is not a valid value or range")
        }
        return .init(b, e)
    }
}

extension TimeWindow {
    static let weekdayNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
    static let monthNames = ["january", "february", "march", "april", "may", "june", "july", "august",
                             "september", "october", "november", "december"]
}
