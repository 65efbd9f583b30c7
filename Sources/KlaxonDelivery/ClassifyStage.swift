import Foundation
import KlaxonCore
import KlaxonStore

/// Turns the send's result into the entry's outcome: delivered; retry at failure time plus
/// backoff (or the receiver's `Retry-After`); or dead when the error is permanent or no attempt
/// is left. Tells the breaker, and asks for the fallback receiver on dead.
public struct ClassifyStage: NotifyStage {
    let policy: RetryPolicy

    public init(policy: RetryPolicy) { self.policy = policy }

    public func exec(_ job: inout DeliveryJob) async {
        guard job.record == nil else { return }
        let at = job.endedAt
        let latency = job.latency.map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 }
        guard let failure = job.failure else {
            job.lane.report(success: true, at: at)
            job.record = DeliveryRecord(id: job.entry.id, at: at, result: .delivered, latency: latency)
            return
        }
        // A permanent rejection means the receiver answered: it is not a sign of an outage.
        job.lane.report(success: !failure.isRetriable, at: at)
        let delay = failure.isRetriable ? policy.delay(afterAttempts: job.entry.attempts + 1, retryAfter: failure.retryAfter) : nil
        if let delay {
            let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
            job.record = DeliveryRecord(
                id: job.entry.id, at: at, result: .retry(at: at.addingTimeInterval(seconds)), error: failure.message, latency: latency)
        } else {
            job.record = DeliveryRecord(id: job.entry.id, at: at, result: .dead, error: failure.message, latency: latency)
            job.needsFallback = true
        }
    }
}
