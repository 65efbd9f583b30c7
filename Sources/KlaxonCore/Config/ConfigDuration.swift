/// Prometheus-style durations as Alertmanager writes them: `30s`, `5m`, `4h`, `1h30m`, `1d`,
/// `2w`, `1y`, `250ms`, or `0`. Units must appear largest first, each at most once.
/// `d` is 24 h, `w` is 7 d, `y` is 365 d (Prometheus' own definitions).
public enum ConfigDuration {
    private static let units: [(suffix: String, milliseconds: Int64)] = [
        ("y", 365 * 24 * 3_600_000), ("w", 7 * 24 * 3_600_000), ("d", 24 * 3_600_000),
        ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1),
    ]

    /// Parses a duration, or nil when the text is not a Prometheus duration.
    public static func parse(_ text: String) -> Duration? {
        if text == "0" { return .zero }
        var rest = Substring(text)
        guard !rest.isEmpty else { return nil }
        var total: Int64 = 0
        var nextUnit = 0
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let n = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let letters = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(letters.count)
            guard let index = units.indices.first(where: { units[$0].suffix == letters }),
                  index >= nextUnit else { return nil }
            nextUnit = index + 1
            let (product, overflow) = n.multipliedReportingOverflow(by: units[index].milliseconds)
            guard !overflow else { return nil }
            let (sum, overflow2) = total.addingReportingOverflow(product)
            guard !overflow2 else { return nil }
            total = sum
        }
        return .milliseconds(total)
    }

    /// Formats a duration the way Prometheus prints it (`1h30m`, `30s`, `0s`).
    public static func format(_ duration: Duration) -> String {
        var ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if ms == 0 { return "0s" }
        var out = ""
        if ms < 0 { out = "-"; ms = -ms }
        for unit in units where ms >= unit.milliseconds {
            let n = ms / unit.milliseconds
            ms -= n * unit.milliseconds
            out += "\(n)\(unit.suffix)"
        }
        return out
    }
}
