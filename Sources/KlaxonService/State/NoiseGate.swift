import Foundation
import KlaxonCore
import KlaxonStore
import Synchronization

/// The noise filter as the ingest loop uses it, while a batch is planned (before it is
/// written): false positives, ignore rules and thresholds decide at ingest. Silences and
/// inhibition are applied by grouping at flush time, so an alert notifies once its silence ends.
/// False-positive marks are read from their store, their one holder.
final class NoiseGate: Sendable {
    private struct State {
        var filter: NoiseFilter
        var thresholds: ThresholdTracker
        var lastPrune: Date
    }

    private let state: Mutex<State>
    private let falsePositives: FalsePositiveStore

    /// Reads the false-positive marks and the stored threshold counts into memory (so a failed
    /// read fails the start).
    init(config: NoiseConfig, falsePositives: FalsePositiveStore, thresholds stored: ThresholdStore? = nil) throws {
        try falsePositives.load()
        self.falsePositives = falsePositives
        var tracker = ThresholdTracker(rules: config.thresholds)
        tracker.tracksChanges = stored != nil
        if let stored {
            tracker.restore(try stored.load())
            try stored.forgetRules(otherThan: Set(config.thresholds.map(\.stateKey)))
        }
        state = Mutex(State(filter: NoiseFilter(config: config), thresholds: tracker, lastPrune: .distantPast))
    }

    /// The threshold keys the decisions since the last take changed, for the batch's write.
    var thresholdChanges: ThresholdChanges {
        ThresholdChanges(
            take: { [self] in state.withLock { $0.thresholds.takeChanges() } },
            giveBack: { [self] taken in state.withLock { $0.thresholds.markChanged(taken) } })
    }

    /// Counts restored from the state changelog (a partition this instance was given).
    func restoreThresholds(_ snapshots: [ThresholdKeySnapshot]) {
        guard !snapshots.isEmpty else { return }
        state.withLock { _ = $0.thresholds.restore(snapshots) }
    }

    func decide(_ alert: Alert, _ transition: AlertTransition, _ admitted: Bool, _ now: Date) -> NoiseDecision {
        state.withLock { s in
            if now.timeIntervalSince(s.lastPrune) > 60 {
                s.thresholds.prune(at: now)
                s.lastPrune = now
            }
            return s.filter.decide(
                alert, transition: transition, instanceNotified: transition == .duplicate ? admitted : nil,
                falsePositives: falsePositives.fingerprints, silencer: Silencer(silences: []), inhibitor: nil, thresholds: &s.thresholds,
                at: now)
        }
    }

    func isFalsePositive(_ fp: Fingerprint) -> Bool { falsePositives.contains(fp) }

    /// New rules from a reload; threshold counts of rules that stay are kept.
    func reload(_ config: NoiseConfig) {
        state.withLock { s in
            s.filter = NoiseFilter(config: config)
            s.thresholds = s.thresholds.reconfigured(with: config.thresholds)
        }
    }
}
