import Foundation

/// Hand-written timestamp parsers. `DateFormatter`/`ISO8601DateFormatter` are slow, locale
/// sensitive and drop nanoseconds; these are exact and allocation-free. All results are UTC.
enum Timestamps {
    /// RFC 3339 / ISO 8601: `2021-08-25T12:20:30.000000005Z`, `…+02:00`, `…+0000`, space for `T`,
    /// any number of fraction digits. Nil when it is not such a timestamp.
    static func rfc3339(_ s: String) -> Date? {
        var s = s
        return s.withUTF8 { rfc3339(bytes: $0) }
    }

    static func rfc3339(bytes b: UnsafeBufferPointer<UInt8>) -> Date? {
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var v = 0
            for k in i..<(i + n) {
                let d = Int(b[k]) - 48
                guard d >= 0 && d <= 9 else { return nil }
                v = v * 10 + d
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(0x2D), let month = digits(2), expect(0x2D), let day = digits(2) else { return nil }
        guard i < b.count, b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: "t") || b[i] == 0x20 else { return nil }
        i += 1
        guard let hour = digits(2), expect(0x3A), let minute = digits(2), expect(0x3A), let second = digits(2) else { return nil }
        var nanos = 0
        if i < b.count, b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ",") {
            i += 1
            var scale = 100_000_000
            let start = i
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                nanos += Int(b[i] - 48) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }
        var offset = 0
        if i < b.count, b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            i += 1
        } else if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard let oh = digits(2) else { return nil }
            _ = expect(0x3A)
            guard let om = digits(2) else { return nil }
            offset = sign * (oh * 3600 + om * 60)
        } else {
            return nil  // RFC 3339 requires an offset; a local time would be a guess
        }
        guard i == b.count else { return nil }
        return make(year: year, month: month, day: day, hour: hour, minute: minute, second: second, nanos: nanos, offset: offset)
    }

    /// UTC date from civil fields, validated (no Feb 30, no hour 25). Leap second 60 is allowed.
    static func make(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, nanos: Int = 0, offset: Int = 0) -> Date? {
        guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
              (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second) else { return nil }
        let days = daysFromCivil(year, month, day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + Double(nanos) / 1e9)
    }

    /// Unix nanoseconds (Falco `evt.time`) to a Date, splitting first so no precision is lost
    /// to a single large Double before the division.
    static func fromUnixNanos(_ ns: Int64) -> Date {
        let (q, r) = ns.quotientAndRemainder(dividingBy: 1_000_000_000)
        return Date(timeIntervalSince1970: Double(q) + Double(r) / 1e9)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 (H. Hinnant's algorithm).
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (m + 9) % 12
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    static func month(named s: Substring) -> Int? {
        let p = s.prefix(3).lowercased()
        return monthNames.firstIndex(of: p).map { $0 + 1 }
    }

    /// Amazon Inspector's two non-ISO styles, read as UTC:
    /// `Dec 3, 2021, 6:02:30 PM` and `Wed Sep 04 16:59:44.356 UTC 2024`. ISO input is accepted too.
    static func inspector(_ s: String) -> Date? {
        if let d = rfc3339(s) { return d }
        let parts = s.split(whereSeparator: { $0 == " " || $0 == "," }).map { $0 }
        // Dec 3 2021 6:02:30 PM
        if parts.count == 5, let mon = month(named: parts[0]), let day = Int(parts[1]), let year = Int(parts[2]) {
            guard let (h, m, sec, ns) = clock(parts[3]) else { return nil }
            let pm = parts[4].uppercased()
            guard pm == "AM" || pm == "PM", (1...12).contains(h) else { return nil }
            let hour = (h % 12) + (pm == "PM" ? 12 : 0)
            return make(year: year, month: mon, day: day, hour: hour, minute: m, second: sec, nanos: ns)
        }
        // Wed Sep 04 16:59:44.356 UTC 2024
        if parts.count == 6, let mon = month(named: parts[1]), let day = Int(parts[2]), let year = Int(parts[5]),
           parts[4].uppercased() == "UTC" || parts[4].uppercased() == "GMT" {
            guard let (h, m, sec, ns) = clock(parts[3]) else { return nil }
            return make(year: year, month: mon, day: day, hour: h, minute: m, second: sec, nanos: ns)
        }
        return nil
    }

    /// `H:MM:SS[.fff]`
    private static func clock(_ s: Substring) -> (Int, Int, Int, Int)? {
        let hms = s.split(separator: ":", omittingEmptySubsequences: false)
        guard hms.count == 3, let h = Int(hms[0]), let m = Int(hms[1]) else { return nil }
        let secParts = hms[2].split(separator: ".", omittingEmptySubsequences: false)
        guard let sec = Int(secParts[0]), secParts.count <= 2 else { return nil }
        var ns = 0
        if secParts.count == 2 {
            let frac = secParts[1].prefix(9)
            guard !frac.isEmpty, let f = Int(frac) else { return nil }
            ns = f * Int(pow(10.0, Double(9 - frac.count)))
        }
        return (h, m, sec, ns)
    }

    /// RFC 3339 with millisecond precision in UTC, for output.
    static func format(_ date: Date) -> String {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let (secs, milli) = ms.quotientAndRemainder(dividingBy: 1000)
        var s = Int(secs), m = Int(milli)
        if m < 0 { m += 1000; s -= 1 }
        var days = s / 86_400
        var rem = s % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        let (y, mo, d) = civilFromDays(days)
        func pad(_ v: Int, _ n: Int) -> String {
            let t = String(v)
            return String(repeating: "0", count: max(0, n - t.count)) + t
        }
        return "\(pad(y, 4))-\(pad(mo, 2))-\(pad(d, 2))T\(pad(rem / 3600, 2)):\(pad(rem % 3600 / 60, 2)):\(pad(rem % 60, 2)).\(pad(m, 3))Z"
    }

    static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
