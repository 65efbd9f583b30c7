import Foundation
import KlaxonCore

/// Hands the notification to the sink, giving up after `timeout` (the sink's own task is
/// cancelled), measures how long it took, and reads when it ended from the injected clock.
public struct SendStage: NotifyStage {
    let timeout: Duration
    let clock: DeliveryClock

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
        let timeout = self.timeout
        let start = ContinuousClock.now
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await sink.deliver(notification) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw SendTimeout(after: timeout)
                }
                defer { group.cancelAll() }
                try await group.next()
            }
        } catch let timedOut as SendTimeout {
            job.failure = DeliveryError("no answer within \(timedOut.after)")
            job.failureReason = "timeout"
        } catch let error as DeliveryError {
            job.failure = error
            job.failureReason = Self.reason(error)
        } catch {
            job.failure = DeliveryError("\(error)")
            job.failureReason = "error"
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

struct SendTimeout: Error {
    let after: Duration
}
