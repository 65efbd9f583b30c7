/// Renders alerts as a fixed-width text table for terminals (`klaxon decode`). Pure: the same
/// alerts give the same text. Columns: severity (level and score), source, alertname,
/// fingerprint, and the labels that say what and where (see `keyLabels`).
public enum AlertTable {
    public struct Options: Sendable {
        /// Widest a column may get; longer values are cut with "…".
        public var maxColumnWidth: Int
        /// Worst first (then alertname, then fingerprint), instead of input order.
        public var sortBySeverity: Bool

        public init(maxColumnWidth: Int = 48, sortBySeverity: Bool = true) {
            self.maxColumnWidth = max(4, maxColumnWidth)
            self.sortBySeverity = sortBySeverity
        }
    }

    /// Labels shown in the LABELS column, in this order, when present. The columns already
    /// shown and the `severity` label are never repeated.
    public static let keyLabels = [
        "category", "environment", "cluster", "namespace", "image", "host", "container", "process",
        "package", "installed_version", "cve", "rule", "target", "resource", "account", "region",
    ]

    public static func render(_ alerts: [Alert], options: Options = Options()) -> String {
        let rows = (options.sortBySeverity ? sorted(alerts) : alerts).map(row)
        let header = ["SEVERITY", "SOURCE", "ALERTNAME", "FINGERPRINT", "LABELS"]
        let limit = options.maxColumnWidth
        let cut = rows.map { $0.enumerated().map { i, v in i == 4 ? v : truncate(v, to: limit) } }
        var widths = header.map(\.count)
        for r in cut { for (i, v) in r.enumerated() where i < 4 { widths[i] = max(widths[i], v.count) } }
        func line(_ cells: [String]) -> String {
            var s = ""
            for (i, c) in cells.enumerated() {
                s += i < 4 ? c + String(repeating: " ", count: widths[i] - c.count + 2) : c
            }
            return s.trailingSpacesTrimmed
        }
        var out = line(header) + "\n"
        for r in cut { out += line(r) + "\n" }
        out += "\(alerts.count) alert\(alerts.count == 1 ? "" : "s")\n"
        return out
    }

    static func row(_ a: Alert) -> [String] {
        let shown: Set<String> = ["source", "alertname", "severity"]
        let labels = keyLabels.compactMap { k -> String? in
            guard !shown.contains(k), let v = a.labels[k], !v.isEmpty else { return nil }
            return "\(k)=\(v)"
        }
        return [
            "\(a.severity.name) \(a.severity.score)", a.source ?? "-", a.name.isEmpty ? "-" : a.name,
            a.fingerprint.description, labels.joined(separator: " "),
        ]
    }

    static func sorted(_ alerts: [Alert]) -> [Alert] {
        alerts.sorted { x, y in
            if x.severity != y.severity { return x.severity > y.severity }
            if x.name != y.name { return x.name < y.name }
            return x.fingerprint < y.fingerprint
        }
    }

    static func truncate(_ s: String, to n: Int) -> String {
        // Control characters (newlines in names) would break the grid.
        let clean = String(s.map { $0.isNewline || $0 == "\t" ? " " : $0 })
        return clean.count <= n ? clean : String(clean.prefix(n - 1)) + "…"
    }
}

extension String {
    fileprivate var trailingSpacesTrimmed: String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
