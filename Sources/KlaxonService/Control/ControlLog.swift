import Foundation
import KlaxonStore

/// Where the API writes silences and false-positive marks. Every change is decided over the
/// stores as they are, then written as `ControlRecord`s; the call returns once this instance
/// has applied them, so a read right after sees the change (read-your-writes).
protocol ControlLog: Sendable {
    /// Runs `decide` over the current stores, writes the records it returns and returns its
    /// value once they are applied here. Writes through one log run one at a time, so two
    /// identical requests at once make one silence.
    func write<T: Sendable>(_ decide: @Sendable () throws -> (T, [ControlRecord])) async throws -> T
}

/// A log that applies records to the local stores directly, with no topic: for tests of the
/// API routes in-process. The service always writes through `ControlTopic`.
struct LocalControlLog: ControlLog {
    let applier: ControlApplier
    private let lane = SerialLane()

    init(silences: SilenceStore, falsePositives: FalsePositiveStore) {
        applier = ControlApplier(silences: silences, falsePositives: falsePositives)
    }

    func write<T: Sendable>(_ decide: @Sendable () throws -> (T, [ControlRecord])) async throws -> T {
        try await lane.run {
            let (value, records) = try decide()
            for r in records { try applier.apply(r) }
            return value
        }
    }
}
