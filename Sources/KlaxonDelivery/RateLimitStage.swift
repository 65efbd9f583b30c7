import Foundation
import KlaxonStore

/// Holds an entry back when its integration's token bucket is empty: the entry is due again
/// when the next token is, and no attempt is counted.
public struct RateLimitStage: NotifyStage {
    public init() {}

    public func exec(_ job: inout DeliveryJob) async {
        guard job.record == nil, let next = job.lane.takeToken(at: job.now) else { return }
        job.record = DeliveryRecord(id: job.entry.id, at: job.now, result: .deferred(until: next))
    }
}
