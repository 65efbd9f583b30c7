import Foundation
import KlaxonCore
import KlaxonStore

/// One step of delivering an outbox entry, in the manner of Alertmanager's `notify.Stage`:
/// rate limit → breaker → send with timeout → classify → record. A stage reads and amends the
/// job; once a stage has decided the outcome (`job.record`), later stages that send skip it.
public protocol NotifyStage: Sendable {
    func exec(_ job: inout DeliveryJob) async
}

/// Reads the time for the dispatcher's passes and for when a send ended. Production passes
/// `Date.init`; tests a virtual clock, so retries and breaker cool-downs never depend on how
/// long a real send took on a loaded machine.
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
    /// How long the send took (measured on the monotonic clock, for metrics and the attempt
    /// row); nil when nothing was sent.
    public var latency: Duration?
    /// When the attempt ended, read from the dispatcher's clock by the send stage (never
    /// before the pass time): a retry counts from the failure, not from the start of the pass.
    public var endedAt: Date
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
        self.endedAt = now
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
