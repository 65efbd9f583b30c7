import Foundation
import KlaxonCore

/// Hands the notification to the sink, giving up after `timeout` (the send's task is cancelled
/// and awaited), measures how long it took, and reads when it ended from the injected clock.
public struct SendStage: NotifyStage {
    let timeout: Duration
    let clock: DeliveryClock
    /// One timer for all of this stage's sends in flight (not one task and timer per send).
    let watchdog = SendWatchdog()

    /// - Parameters:
    ///   - timeout: longest a send may take; default 10 s.
    ///   - clock: when the send ended (the dispatcher's clock; default the wall clock).
    public init(timeout: Duration = .seconds(10), clock: @escaping DeliveryClock = { Date() }) {
        self.timeout = timeout
        self.clock = clock
    }

    public func exec(_ job: inout DeliveryJob) async {
        guard job.record == nil else { return }
        let sink = job.sink
        let notification = job.entry.notification
        let start = ContinuousClock.now
        let send = Task { try await sink.deliver(notification) }
        let ticket = watchdog.watch(until: start + timeout) { send.cancel() }
        do {
            try await withTaskCancellationHandler { try await send.value } onCancel: { send.cancel() }
            _ = watchdog.end(ticket)
        } catch {
            if watchdog.end(ticket) {
                job.failure = DeliveryError("no answer within \(timeout)")
                job.failureReason = "timeout"
            } else if let error = error as? DeliveryError {
                job.failure = error
                job.failureReason = Self.reason(error)
            } else {
                job.failure = DeliveryError("\(error)")
                job.failureReason = "error"
            }
        }
        job.latency = ContinuousClock.now - start
        job.endedAt = max(job.now, clock())
    }

    /// `throttled` (429 or a Retry-After), `rejected` (will not pass on retry), else `error`.
    static func reason(_ e: DeliveryError) -> String {
        if e.retryAfter != nil || e.message.hasSuffix("HTTP 429") { return "throttled" }
        return e.isRetriable ? "error" : "rejected"
    }
}
