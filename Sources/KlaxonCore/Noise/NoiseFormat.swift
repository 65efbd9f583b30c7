import Foundation

/// Text helpers shared by decisions, explanations and the YAML renderer.
enum NoiseFormat {
    /// `2027-01-31` for a UTC midnight, else RFC 3339 in UTC (`2026-11-25T08:00:00Z`, with
    /// milliseconds when there are any).
    static func date(_ d: Date) -> String {
        let totalMs = Int64((d.timeIntervalSince1970 * 1000).rounded())
        let (secs, ms) = totalMs.quotientAndRemainder(dividingBy: 1000)
        var days = secs / 86_400
        var rem = secs % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        let (y, m, dd) = civil(fromDays: days)
        let day = "\(pad(y, 4))-\(pad(m, 2))-\(pad(dd, 2))"
        if rem == 0 && ms == 0 { return day }
        var s = "\(day)T\(pad(rem / 3600, 2)):\(pad(rem % 3600 / 60, 2)):\(pad(rem % 60, 2))"
        if ms != 0 { s += "." + pad(abs(ms), 3) }
        return s + "Z"
    }

    private static func pad(_ n: Int64, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// H. Hinnant's civil_from_days.
    private static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// `{alertname="NodeDown", host="a"}`, names sorted.
    static func labels(_ l: [String: String]) -> String {
        "{" + l.keys.sorted().map { "\($0)=\(GoQuote.quote(l[$0]!))" }.joined(separator: ", ") + "}"
    }
}
