import Foundation
import KlaxonStore

/// Holds an entry back while its integration's breaker is open (until the probe time), and
/// asks for the fallback receiver when the breaker has been open longer than `fallbackAfter`.
public struct BreakerStage: NotifyStage {
    /// Seconds an open breaker may hold entries before they also go to the fallback receiver.
    let fallbackAfter: TimeInterval

    public init(fallbackAfter: TimeInterval) { self.fallbackAfter = fallbackAfter }

    public func exec(_ job: inout DeliveryJob) async {
        guard job.record == nil else { return }
        switch job.lane.admit(at: job.now) {
        case .allow:
            return
        case .probe:
            job.isProbe = true
        case .wait(let until):
            job.record = DeliveryRecord(id: job.entry.id, at: job.now, result: .deferred(until: until))
            if job.lane.openFor(at: job.now) >= fallbackAfter { job.needsFallback = true }
        }
    }
}
