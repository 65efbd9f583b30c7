import Foundation
import KlaxonCore
import KlaxonStore

/// Applies control records to this instance's stores, which stay the materialised view that
/// grouping (`SilenceStore.snapshot()`) and the noise gate (`FalsePositiveStore`) read.
/// Idempotent: applying a record again, or replaying the whole topic, gives the same state.
struct ControlApplier: Sendable {
    let silences: SilenceStore
    let falsePositives: FalsePositiveStore

    /// Applies one record. Returns whether a store changed.
    @discardableResult
    func apply(_ record: ControlRecord) throws -> Bool {
        switch record {
        case let .silence(incoming):
            let current = try silences.get(incoming.id)
            let merged = Self.merge(current, incoming)
            if let current, merged.sameAtStorePrecision(current) { return false }
            // The silence's start stands for its creation on an instance that first sees it.
            try silences.save(merged, at: current == nil ? min(merged.startsAt, Date()) : Date())
            return true
        case let .falsePositive(mark):
            func ms(_ d: Date) -> Int64 { Int64((d.timeIntervalSince1970 * 1000).rounded()) }
            let same = try falsePositives.all().contains {
                $0.fingerprint == mark.fingerprint && $0.reason == mark.reason && $0.markedBy == mark.markedBy && ms($0.markedAt) == ms(mark.markedAt)
            }
            if same { return false }
            try falsePositives.mark(mark.fingerprint, reason: mark.reason, by: mark.markedBy, at: mark.markedAt)
            return true
        case let .falsePositiveRemoved(fp, _, _):
            return try falsePositives.unmark(fp)
        case .reload:
            return false  // not state: `ControlTopic` hands it to the reloader
        }
    }

    /// The record's silence, except that an expiry already known here stays: a silence never
    /// comes back once expired (Alertmanager's rule; an update is a new silence). So a replay of
    /// an older record cannot undo an expiry this instance made, e.g. grouping ending an
    /// on-resolve silence before that expiry reached the topic.
    static func merge(_ current: Silence?, _ incoming: Silence) -> Silence {
        guard let expired = current?.expiredAt else { return incoming }
        return incoming.expired(at: expired)
    }
}
