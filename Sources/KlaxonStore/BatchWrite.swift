import Foundation
import KlaxonCore

/// Everything one consumed batch changes, written in one transaction before offsets commit.
public struct BatchWrite: Sendable {
    public var consumed: [ConsumedRecord]
    public var reports: [AlertReport]
    /// Complete scans: firing alerts of these scopes that the scan no longer contains resolve.
    public var scans: [ScanReport]
    /// Artifacts seen and scanned (vulnerability coverage), merged in the same transaction.
    public var coverage: CoverageObservations

    public init(consumed: [ConsumedRecord] = [], reports: [AlertReport] = [], scans: [ScanReport] = [], coverage: CoverageObservations = CoverageObservations()) {
        self.consumed = consumed
        self.reports = reports
        self.scans = scans
        self.coverage = coverage
    }

    /// Nothing to write: no message, report, scan or sighting.
    public var isEmpty: Bool { consumed.isEmpty && reports.isEmpty && scans.isEmpty && coverage.isEmpty }
}

/// A report that covers its scopes completely, and the fingerprints it contains.
public struct ScanReport: Sendable {
    public var scopes: [String]
    public var present: Set<Fingerprint>
    public var at: Date
    /// One partition's share of a scan (`klaxon.alerts`): it resolves only alerts of that
    /// partition, and `present` lists only that partition's. Nil: every alert (a whole report).
    public var partition: Int32?
    public var partitioner: StatePartitioner?

    public init(scopes: [String], present: Set<Fingerprint>, at: Date, partition: Int32? = nil, of partitioner: StatePartitioner? = nil) {
        self.scopes = scopes
        self.present = present
        self.at = at
        self.partition = partition
        self.partitioner = partitioner
    }

    /// Whether this scan may resolve `fp`.
    func covers(_ fp: Fingerprint) -> Bool {
        guard let partition, let partitioner else { return true }
        return partitioner.partition(of: fp) == partition
    }
}

/// One Kafka message and what became of it (`alerts:3`, `deadletter: reason`).
public struct ConsumedRecord: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var outcome: String

    public init(topic: String, partition: Int32, offset: Int64, outcome: String) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.outcome = outcome
    }
}

/// One decoded alert and the partition that owns its state.
public struct AlertReport: Sendable {
    public var alert: Alert
    /// `topic/partition` that carried it; alert state is owned by that partition.
    public var owner: String
    public var receivedAt: Date

    public init(alert: Alert, owner: String, receivedAt: Date) {
        self.alert = alert
        self.owner = owner
        self.receivedAt = receivedAt
    }
}

/// What a batch did to alert state: every report's transition, plus resolutions by scans.
public struct BatchResult: Sendable {
    /// One per report, in order.
    public var transitions: [AlertTransition]
    /// The noise filter's decision for each report, in order.
    public var decisions: [NoiseDecision]
    /// States that passed the noise filter (opened, reopened, or held back until now) and
    /// admitted states that resolved: what grouping must hear about.
    public var changes: [AlertState]
}

/// A notification to queue for one integration of its receiver. Keys are unique in the
/// outbox, so queueing the same one twice (a replayed flush) stores it once.
public struct QueuedNotification: Sendable {
    public var notification: AlertNotification
    public var integration: String
    public var key: String
    /// Whether every alert's labels and annotations are those of its `alert` row, so the outbox
    /// row may refer to the row instead of copying them (`OutboxPayload`); they are then read
    /// back at send time. Default false: the row keeps its own copy (a compact one).
    public var referencesAlerts: Bool
    /// The alerts whose history gets a `notified` event for this row; nil: every alert. A
    /// group's re-flush names only the alerts new or changed in it (`GroupNotification.newAlerts`).
    public var recorded: Set<Fingerprint>?

    public init(
        notification: AlertNotification, integration: String, key: String, referencesAlerts: Bool = false, recorded: Set<Fingerprint>? = nil
    ) {
        self.notification = notification
        self.integration = integration
        self.key = key
        self.referencesAlerts = referencesAlerts
        self.recorded = recorded
    }
}

/// Decides a report inside the batch transaction: the alert, its lifecycle transition, whether
/// this firing instance was already admitted, and the report time.
public typealias NoiseDecider = (Alert, AlertTransition, Bool, Date) -> NoiseDecision

/// Where a batch's write asks which threshold keys its decisions changed (the noise gate's
/// tracker), and gives them back when the write failed.
public struct ThresholdChanges: Sendable {
    public var take: @Sendable () -> [ThresholdKeySnapshot]
    public var giveBack: @Sendable ([ThresholdKeySnapshot]) -> Void

    public init(take: @escaping @Sendable () -> [ThresholdKeySnapshot], giveBack: @escaping @Sendable ([ThresholdKeySnapshot]) -> Void) {
        self.take = take
        self.giveBack = giveBack
    }
}
