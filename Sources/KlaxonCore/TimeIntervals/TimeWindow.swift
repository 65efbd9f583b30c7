import Foundation

/// One entry of an Alertmanager `time_intervals[].time_intervals` list: the instants whose
/// local time (in `location`, default UTC) falls in every given field. An absent field (empty
/// list) does not restrict. Times are `[start, end)` in minutes of the day; all other ranges are
/// inclusive. Negative days of the month count from the month's end (-1 is the last day).
public struct TimeWindow: Sendable, Hashable {
    /// An inclusive range of integers (`monday:friday` is 1…5, `-3:-1` is the last three days).
    public struct Bounds: Sendable, Hashable {
        public var begin: Int
        public var end: Int
        public init(_ begin: Int, _ end: Int) { self.begin = begin; self.end = end }
        func contains(_ v: Int) -> Bool { v >= begin && v <= end }
    }

    /// A time of day range, `[startMinute, endMinute)`, minutes since midnight (0…1440).
    public struct TimeOfDay: Sendable, Hashable {
        public var startMinute: Int
        public var endMinute: Int
        public init(startMinute: Int, endMinute: Int) { self.startMinute = startMinute; self.endMinute = endMinute }
    }

    public var times: [TimeOfDay]
    /// 0 = Sunday … 6 = Saturday.
    public var weekdays: [Bounds]
    /// 1…31 or -31…-1.
    public var daysOfMonth: [Bounds]
    /// 1 = January … 12 = December.
    public var months: [Bounds]
    public var years: [Bounds]
    /// Zone the fields are evaluated in; default UTC.
    public var location: TimeZone

    public init(
        times: [TimeOfDay] = [], weekdays: [Bounds] = [], daysOfMonth: [Bounds] = [],
        months: [Bounds] = [], years: [Bounds] = [], location: TimeZone = TimeZone(identifier: "UTC")!
    ) {
        self.times = times
        self.weekdays = weekdays
        self.daysOfMonth = daysOfMonth
        self.months = months
        self.years = years
        self.location = location
    }

    /// Whether the instant falls inside this window.
    public func contains(_ date: Date) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = location
        let c = calendar.dateComponents([.year, .month, .day, .weekday, .hour, .minute], from: date)
        guard let year = c.year, let month = c.month, let day = c.day, let weekday = c.weekday,
              let hour = c.hour, let minute = c.minute else { return false }
        if !times.isEmpty {
            let m = hour * 60 + minute
            guard times.contains(where: { m >= $0.startMinute && m < $0.endMinute }) else { return false }
        }
        if !daysOfMonth.isEmpty {
            let daysInMonth = calendar.range(of: .day, in: .month, for: date)?.count ?? 31
            var inDays = false
            for r in daysOfMonth {
                var begin = r.begin < 0 ? daysInMonth + r.begin + 1 : r.begin
                var end = r.end < 0 ? daysInMonth + r.end + 1 : r.end
                if begin > daysInMonth { continue }
                begin = min(max(begin, -daysInMonth), daysInMonth)
                end = min(max(end, -daysInMonth), daysInMonth)
                if day >= begin && day <= end { inDays = true; break }
            }
            guard inDays else { return false }
        }
        if !months.isEmpty, !months.contains(where: { $0.contains(month) }) { return false }
        // Calendar weekday: 1 = Sunday; Alertmanager (Go): 0 = Sunday.
        if !weekdays.isEmpty, !weekdays.contains(where: { $0.contains(weekday - 1) }) { return false }
        if !years.isEmpty, !years.contains(where: { $0.contains(year) }) { return false }
        return true
    }
}
