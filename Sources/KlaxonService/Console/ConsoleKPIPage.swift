import Foundation
import KlaxonCore

/// `GET /kpis`: `klaxon report`'s numbers (the same `IncidentReport`, formatted the same way)
/// by severity and by source, with server-rendered SVG charts.
struct ConsoleKPIPage {
    struct Row {
        let group: String
        let alerts: Int
        let open: Int
        let mttd: String
        let mtta: String
        let mttr: String
        let sla: String
        let falsePositives: String
    }

    struct Table {
        let by: String
        let rows: [Row]
    }

    struct Total {
        let alerts: Int
        let mtta: String
        let mttr: String
        let sla: String
        let falsePositives: String
    }

    struct Coverage {
        let environment: String
        let known: Int
        let covered: Int
        let ratio: String
    }

    let since: String
    let error: String?
    let total: Total?
    let tables: [Table]
    let charts: [SVGChart]
    let coverage: [Coverage]
    let hasCoverage: Bool

    static let median = SVGChart.Series(name: "median", fill: "#0b57d0")
    static let p90 = SVGChart.Series(name: "p90", fill: "#8fb3ee")

    /// - Parameter records: the window's incident records, for the charts over time.
    static func make(
        since: String, bySeverity: IncidentReport?, bySource: IncidentReport?, records: [IncidentRecord] = [], error: String?
    ) -> ConsoleKPIPage {
        guard let sev = bySeverity, let src = bySource else {
            return ConsoleKPIPage(since: since, error: error, total: nil, tables: [], charts: [], coverage: [], hasCoverage: false)
        }
        let severityRows = sev.rows.sorted { level($0) > level($1) }
        func stat(_ s: IncidentReport.Stat?) -> String {
            guard let s else { return "-" }
            return "\(IncidentReport.human(s.median)) / \(IncidentReport.human(s.p90))"
        }
        func rows(_ list: [IncidentReport.Row], _ key: String) -> [Row] {
            list.map {
                Row(group: $0.group[key] ?? "-", alerts: $0.alerts, open: $0.open, mttd: stat($0.detect), mtta: stat($0.acknowledge),
                    mttr: stat($0.resolve), sla: IncidentReport.percent($0.slaCompliance), falsePositives: IncidentReport.percent($0.falsePositiveRate))
            }
        }
        func durations(_ title: String, _ list: [IncidentReport.Row], _ key: String, _ pick: (IncidentReport.Row) -> IncidentReport.Stat?) -> SVGChart {
            SVGChart(title: title, series: [median, p90], rows: list.map { r in
                let s = pick(r)
                return SVGChart.Row(
                    label: r.group[key] ?? "-",
                    values: [s.map { ($0.median, IncidentReport.human($0.median)) }, s.map { ($0.p90, IncidentReport.human($0.p90)) }])
            })
        }
        func ratio(_ title: String, _ list: [IncidentReport.Row], _ key: String, _ pick: (IncidentReport.Row) -> Double) -> SVGChart {
            SVGChart(title: title, series: [SVGChart.Series(name: "share", fill: "#1f6f3c")], rows: list.map { r in
                SVGChart.Row(label: r.group[key] ?? "-", values: [(pick(r), IncidentReport.percent(pick(r)))])
            }, maximum: 1)
        }
        let periods = trend(records, since: sev.since, until: sev.until)
        func overTime(_ title: String, _ pick: (IncidentReport.Row) -> IncidentReport.Stat?) -> SVGChart {
            SVGChart(title: title, series: [median, p90], rows: periods.map { p in
                let s = pick(p.row)
                return SVGChart.Row(
                    label: p.label, values: [s.map { ($0.median, IncidentReport.human($0.median)) }, s.map { ($0.p90, IncidentReport.human($0.p90)) }])
            })
        }
        let envs = sev.coverage?.environments ?? []
        var charts = [
            durations("MTTA by severity", severityRows, "severity") { $0.acknowledge },
            durations("MTTR by severity", severityRows, "severity") { $0.resolve },
            durations("MTTD by source", src.rows, "source") { $0.detect },
            durations("MTTR by source", src.rows, "source") { $0.resolve },
            ratio("SLA compliance by severity", severityRows, "severity") { $0.slaCompliance },
            ratio("False-positive rate by source", src.rows, "source") { $0.falsePositiveRate },
            overTime("MTTA over time (alerts detected in each period)") { $0.acknowledge },
            overTime("MTTR over time (alerts detected in each period)") { $0.resolve },
        ]
        if !envs.isEmpty {
            charts.append(SVGChart(title: "Scan coverage by environment", series: [SVGChart.Series(name: "covered", fill: "#1f6f3c")], rows: envs.map {
                SVGChart.Row(label: $0.environment, values: [($0.ratio, "\(IncidentReport.percent($0.ratio)) (\($0.covered)/\($0.known))")])
            }, maximum: 1))
        }
        let t = sev.total
        return ConsoleKPIPage(
            since: since, error: error,
            total: Total(alerts: t.alerts, mtta: IncidentReport.human(t.acknowledge?.median), mttr: IncidentReport.human(t.resolve?.median),
                         sla: IncidentReport.percent(t.slaCompliance), falsePositives: IncidentReport.percent(t.falsePositiveRate)),
            tables: [Table(by: "severity", rows: rows(severityRows, "severity")), Table(by: "source", rows: rows(src.rows, "source"))],
            charts: charts,
            coverage: envs.map { Coverage(environment: $0.environment, known: $0.known, covered: $0.covered, ratio: IncidentReport.percent($0.ratio)) },
            hasCoverage: !envs.isEmpty)
    }

    /// The window cut into periods (weeks when it spans two weeks or more, at most 12; else 6
    /// equal parts), each with the report's totals over the records detected in it.
    static func trend(_ records: [IncidentRecord], since: Date, until: Date) -> [(label: String, row: IncidentReport.Row)] {
        let span = until.timeIntervalSince(since)
        guard span > 0 else { return [] }
        let week = 7 * 86_400.0
        let count = span >= 2 * week ? min(Int((span / week).rounded(.up)), 12) : 6
        let width = span / Double(count)
        return (0..<count).map { i in
            let start = since.addingTimeInterval(Double(i) * width)
            let end = i == count - 1 ? until : start.addingTimeInterval(width)
            let inside = records.filter { $0.detectedAt >= start && ($0.detectedAt < end || (i == count - 1 && $0.detectedAt <= end)) }
            let label = width >= 86_400
                ? start.formatted(.iso8601.year().month().day())
                : String((ConsoleFormat.time(start) ?? "").prefix(16))
            return (label, IncidentReport.make(inside, by: [], since: start, until: end).total)
        }
    }

    static func level(_ r: IncidentReport.Row) -> Int { Severity.Level(name: r.group["severity"] ?? "")?.rawValue ?? -1 }
}
