import Foundation

/// Where each alert's state lives among the partitions of `klaxon.alerts` (issue #14,
/// docs/scaling.md *Ingest*): the partition is a function of the fingerprint alone, so every
/// report of one alert — from whichever scanner, since scanners that agree on a finding agree on
/// its fingerprint — reaches the one partition that decides it.
///
/// A complete scan resolves what its scopes no longer list, and a scope's alerts may live on any
/// partition (a Kubernetes workload's scan lists the findings of several images, each of which is
/// also scanned alone), so a scan's scopes go to every partition; each owner resolves what it
/// holds of them and the report does not list. What the report lists for a partition is exactly
/// that partition's alerts of the report, so no other fingerprints need to travel.
public struct StatePartitioner: Sendable, Hashable {
    public let partitions: Int32

    public init(partitions: Int32) {
        precondition(partitions > 0, "klaxon.alerts needs at least one partition")
        self.partitions = partitions
    }

    /// The fingerprint is already a 64-bit FNV-1a hash: its remainder spreads alerts evenly.
    public func partition(of fingerprint: Fingerprint) -> Int32 {
        Int32(truncatingIfNeeded: fingerprint.value % UInt64(partitions))
    }

    /// Where a routing group lives (issue #14, step 4): the owner of this partition groups,
    /// notifies and logs it, whichever partitions its alerts fall on, so a group that spans
    /// instances is one notification. FNV-1a over the key as Alertmanager prints it, the same on
    /// every instance and version.
    public func partition(ofGroup key: GroupKey) -> Int32 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in key.value.utf8 {
            hash ^= UInt64(b)
            hash &*= 0x0000_0100_0000_01b3
        }
        return Int32(truncatingIfNeeded: hash % UInt64(partitions))
    }

    /// The partition of the group a notification-log key (`GroupNotification.logKey`) names.
    public func partition(ofLogKey logKey: String) -> Int32 {
        partition(ofGroup: GroupKey(String(logKey.prefix { $0 != "\u{0}" })))
    }

    /// Where a message with nothing to decide sends its ledger entry: its input partition's
    /// remainder, so one input partition's bare records share one owner.
    public func partition(ofInput inputPartition: Int32) -> Int32 {
        Int32(truncatingIfNeeded: UInt32(bitPattern: inputPartition) % UInt32(partitions))
    }

    /// A report cut into one part per partition it concerns, in partition order: each alert in
    /// its fingerprint's part; with scopes, every partition gets a part carrying the scopes (and
    /// maybe no alerts); the report's coverage goes with the first part only
    /// (coverage merges by earliest and latest time, so one copy is enough). A report with
    /// neither alerts nor scopes has no parts.
    public func split(_ report: DecodedReport, coverage: CoverageObservations) -> [ReportPart] {
        var parts: [Int32: ReportPart] = [:]
        for alert in report.alerts {
            let p = partition(of: alert.fingerprint)
            parts[p, default: ReportPart(partition: p, format: report.format)].alerts.append(alert)
        }
        if !report.scopes.isEmpty {
            for p in 0..<partitions { parts[p, default: ReportPart(partition: p, format: report.format)].scopes = report.scopes }
        }
        var ordered = parts.values.sorted { $0.partition < $1.partition }
        if !ordered.isEmpty { ordered[0].coverage = coverage }
        return ordered
    }
}

/// One partition's share of a decoded report: what ingest hands that partition's owner.
public struct ReportPart: Sendable, Hashable {
    public var partition: Int32
    public var format: InputFormat
    public var alerts: [Alert]
    /// Scopes the whole report covers completely: this partition's alerts of those scopes that
    /// are not in `alerts` resolve.
    public var scopes: [String]
    /// What the report taught about artifacts, on one part of the report only.
    public var coverage: CoverageObservations

    public init(
        partition: Int32, format: InputFormat, alerts: [Alert] = [], scopes: [String] = [],
        coverage: CoverageObservations = CoverageObservations()
    ) {
        self.partition = partition
        self.format = format
        self.alerts = alerts
        self.scopes = scopes
        self.coverage = coverage
    }
}
