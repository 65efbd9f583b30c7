import Foundation

extension IncidentReport {
    /// The columns of the table and CSV forms, after the grouping labels.
    static let columns = [
        "ALERTS", "OPEN", "ACKED", "RESOLVED", "MTTD p50", "MTTD p90", "MTTA p50", "MTTA p90", "MTTR p50", "MTTR p90", "SLA OK",
        "FALSE POS",
    ]

    /// A terminal table: one line per group and a TOTAL line; durations as `42s`, `12m`, `3.5h`, `2.1d`.
    public func table() -> String {
        let header = by.map { $0.uppercased() } + Self.columns
        var lines = by.isEmpty ? [] : rows.map { r in by.map { r.value(of: $0) } + cells(r, duration: Self.human, ratio: Self.percent) }
        lines.append((by.isEmpty ? [] : ["TOTAL"] + Array(repeating: "", count: by.count - 1)) + cells(total, duration: Self.human, ratio: Self.percent))
        var text = TextTable.render(header, lines)
        if let coverage {
            let rows = (coverage.environments + [coverage.total]).map { e in
                [e.environment, e.schedule == .zero ? "" : ConfigDuration.format(e.schedule), "\(e.known)", "\(e.covered)", Self.percent(e.ratio)]
            }
            text += "\nvulnerability coverage\n" + TextTable.render(["ENVIRONMENT", "SCHEDULE", "KNOWN", "SCANNED", "COVERAGE"], rows)
            if !coverage.overdue.isEmpty {
                let overdue = coverage.overdue.map { o in
                    [o.environment.isEmpty ? "none" : o.environment, o.kind, o.name, o.lastScan.map(Timestamps.format) ?? "never"]
                }
                text += "\nscan overdue\n" + TextTable.render(["ENVIRONMENT", "KIND", "ARTIFACT", "LAST SCAN"], overdue)
            }
        }
        return text
    }

    /// CSV (RFC 4180) with durations in seconds and ratios 0–1.
    public func csv() -> String {
        let header = by + ["alerts", "open", "acknowledged", "resolved", "mttd_p50_s", "mttd_p90_s", "mtta_p50_s", "mtta_p90_s",
                           "mttr_p50_s", "mttr_p90_s", "sla_compliance", "false_positive_rate"]
        let seconds: (Double?) -> String = { $0.map { String(format: "%.0f", $0) } ?? "" }
        let ratio: (Double) -> String = { String(format: "%.4f", $0) }
        let lines = [header] + rows.map { r in by.map { r.value(of: $0) } + cells(r, duration: seconds, ratio: ratio) }
        var text = lines.map { $0.map(Self.csvField).joined(separator: ",") }.joined(separator: "\n") + "\n"
        // Coverage is a second table, after a blank line (one row per environment and a total).
        if let coverage {
            let rows = [["environment", "schedule_s", "known", "scanned", "coverage_ratio"]] + (coverage.environments + [coverage.total]).map { e in
                [e.environment, e.schedule == .zero ? "" : seconds(e.schedule.seconds), "\(e.known)", "\(e.covered)", ratio(e.ratio)]
            }
            text += "\n" + rows.map { $0.map(Self.csvField).joined(separator: ",") }.joined(separator: "\n") + "\n"
        }
        return text
    }

    private func cells(_ r: Row, duration: (Double?) -> String, ratio: (Double) -> String) -> [String] {
        ["\(r.alerts)", "\(r.open)", "\(r.acknowledged)", "\(r.resolved)",
         duration(r.detect?.median), duration(r.detect?.p90), duration(r.acknowledge?.median), duration(r.acknowledge?.p90),
         duration(r.resolve?.median), duration(r.resolve?.p90), ratio(r.slaCompliance), ratio(r.falsePositiveRate)]
    }

    private static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    public static func human(_ seconds: Double?) -> String {
        guard let s = seconds else { return "-" }
        switch s {
        case ..<60: return String(format: "%.0fs", s)
        case ..<3600: return String(format: "%.0fm", s / 60)
        case ..<86_400: return String(format: "%.1fh", s / 3600)
        default: return String(format: "%.1fd", s / 86_400)
        }
    }

    public static func percent(_ r: Double) -> String { String(format: "%.0f%%", r * 100) }
}

extension IncidentReport.Row {
    fileprivate func value(of label: String) -> String { group[label] ?? "-" }
}
