import Foundation
import KlaxonCore
import KlaxonStore

/// One step of delivering an outbox entry, in the manner of Alertmanager's `notify.Stage`:
/// rate limit → breaker → send with timeout → classify → record. A stage reads and amends the
/// job; once a stage has decided the outcome (`job.record`), later stages that send skip it.
public protocol NotifyStage: Sendable {
    func exec(_ job: inout DeliveryJob) async
}

/// Reads the time for the dispatcher's passes. Production passes `Date.init`; tests a virtual
/// clock. Stages never read it: they work from the pass time and the measured send duration.
public typealias DeliveryClock = @Sendable () -> Date

/// An outbox entry on its way through the stages.
public struct DeliveryJob: Sendable {
    public let entry: OutboxEntry
    public let sink: any AlertSink
    public let lane: LaneControl
    /// When the pass that picked the entry ran: breaker and rate limit decide at this time.
    public let now: Date
    /// Set by the send stage: nil when the sink took the notification.
    public var failure: DeliveryError?
    /// Set by the send stage: why the send failed, for `klaxon_notifications_failed_total`.
    public var failureReason: String?
    /// How long the send took; nil when nothing was sent.
    public var latency: Duration?
    /// Whether the breaker let this send through as its half-open probe.
    public var isProbe = false
    /// The decided outcome (set by rate limit or breaker when they hold the entry back, else by
    /// classify).
    public var record: DeliveryRecord?
    /// Set when the entry must also go to its receiver's fallback receiver.
    public var needsFallback = false

    public init(entry: OutboxEntry, sink: any AlertSink, lane: LaneControl, now: Date) {
        self.entry = entry
        self.sink = sink
        self.lane = lane
        self.now = now
    }

    /// When the attempt ended: the pass time plus how long the send took, so a retry counts
    /// from the failure, not from the start of the pass (and stays on virtual time in tests).
    public var endedAt: Date {
        guard let latency else { return now }
        return now.addingTimeInterval(Double(latency.components.seconds) + Double(latency.components.attoseconds) / 1e18)
    }
}

/// Runs stages in order (Alertmanager's `MultiStage`).
public struct SequenceStage: NotifyStage {
    let stages: [any NotifyStage]

    public init(_ stages: [any NotifyStage]) { self.stages = stages }

    public func exec(_ job: inout DeliveryJob) async {
        for stage in stages { await stage.exec(&job) }
    }
}
