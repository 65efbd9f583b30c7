import Foundation

/// `klaxon report`: counts and KPIs over incident records, grouped by labels. Pure: the
/// records and the window come in, numbers come out.
public struct IncidentReport: Sendable, Hashable, Codable {
    /// Median and 90th percentile (nearest rank) of a duration, in seconds, over `count` values.
    public struct Stat: Sendable, Hashable, Codable {
        public var count: Int
        public var median: Double
        public var p90: Double
    }

    public struct Row: Sendable, Hashable, Codable {
        /// The grouping labels' values (`severity: high`, …); empty labels read `-`.
        public var group: [String: String]
        public var alerts: Int
        public var open: Int
        public var acknowledged: Int
        public var resolved: Int
        /// MTTD (detected − occurred), time to notify (notified − occurred), MTTA
        /// (acknowledged − notified), MTTR (resolved − detected).
        public var detect: Stat?
        public var notify: Stat?
        public var acknowledge: Stat?
        public var resolve: Stat?
        public var slaBreaches: Int
        /// Share of alerts with no SLA breach, 0–1.
        public var slaCompliance: Double
        /// Share of alerts marked false positive, 0–1.
        public var falsePositiveRate: Double
    }

    public var since: Date
    public var until: Date
    public var by: [String]
    public var rows: [Row]
    /// Every record together.
    public var total: Row
    /// Vulnerability coverage at `until`, per environment (nil when the service keeps none).
    public var coverage: CoverageEvaluation? = nil

    /// Groups `records` by the values of the labels in `by` (in that order; rows sorted by them).
    public static func make(_ records: [IncidentRecord], by: [String], since: Date, until: Date) -> IncidentReport {
        let groups = Dictionary(grouping: records) { r in by.map { r.labels[$0].flatMap { $0.isEmpty ? nil : $0 } ?? "-" } }
        let rows = groups.keys.sorted { $0.lexicographicallyPrecedes($1) }.map { key in
            row(groups[key] ?? [], group: Dictionary(uniqueKeysWithValues: zip(by, key)))
        }
        return IncidentReport(since: since, until: until, by: by, rows: rows, total: row(records, group: [:]))
    }

    static func row(_ records: [IncidentRecord], group: [String: String]) -> Row {
        let breached = records.filter { !$0.slaBreaches.isEmpty }.count
        let n = records.count
        return Row(
            group: group, alerts: n, open: records.filter { $0.resolvedAt == nil }.count,
            acknowledged: records.filter { $0.acknowledgedAt != nil }.count, resolved: records.filter { $0.resolvedAt != nil }.count,
            detect: stat(records.compactMap { LifecycleMeasure.seconds(from: $0.occurredAt, to: $0.detectedAt) }),
            notify: stat(records.compactMap { LifecycleMeasure.seconds(from: $0.occurredAt ?? $0.detectedAt, to: $0.notifiedAt) }),
            acknowledge: stat(records.compactMap { LifecycleMeasure.seconds(from: $0.notifiedAt, to: $0.acknowledgedAt) }),
            resolve: stat(records.compactMap { LifecycleMeasure.seconds(from: $0.detectedAt, to: $0.resolvedAt) }),
            slaBreaches: records.reduce(0) { $0 + $1.slaBreaches.count },
            slaCompliance: n == 0 ? 1 : Double(n - breached) / Double(n),
            falsePositiveRate: n == 0 ? 0 : Double(records.filter(\.falsePositive).count) / Double(n))
    }

    /// Nearest-rank median and p90; nil without values.
    static func stat(_ values: [Double]) -> Stat? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        func rank(_ p: Double) -> Double { sorted[max(Int((p * Double(sorted.count)).rounded(.up)) - 1, 0)] }
        return Stat(count: sorted.count, median: rank(0.5), p90: rank(0.9))
    }
}
