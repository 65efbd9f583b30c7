import Foundation
import KlaxonStore
import Logging
import Metrics

/// Counts the outcome in metrics and logs failures; the dispatcher writes the outcome to the
/// outbox in its next batch.
public struct RecordStage: NotifyStage {
    let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    public func exec(_ job: inout DeliveryJob) async {
        guard let record = job.record else { return }
        let dims = [("receiver", job.entry.receiver), ("integration", job.entry.integration)]
        if case .deferred = record.result { return }
        Counter(label: "klaxon_notifications_total", dimensions: dims + [("outcome", record.result.name)]).increment()
        if let latency = job.latency {
            Metrics.Timer(label: "klaxon_notification_latency_seconds", dimensions: dims).recordNanoseconds(
                latency.components.seconds * 1_000_000_000 + latency.components.attoseconds / 1_000_000_000)
        }
        guard let reason = job.failureReason, let failure = job.failure else { return }
        Counter(label: "klaxon_notifications_failed_total", dimensions: dims + [("reason", reason)]).increment()
        var next = "dead-lettered"
        if case .retry(let at) = record.result { next = "\(at)" }
        logger.warning(
            "delivery failed",
            metadata: [
                "integration": "\(job.entry.lane)", "id": "\(job.entry.id)", "attempt": "\(job.entry.attempts + 1)",
                "error": "\(failure.message)", "next": "\(next)",
            ])
    }
}
