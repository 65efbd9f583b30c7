import Foundation
import KlaxonCore
import KlaxonStore
import Metrics
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
    /// - Parameter partitioner: names the share of a threshold key each occurrence counts in
    ///   (its alert's `klaxon.alerts` partition); nil: one share.
    init(
        config: NoiseConfig, falsePositives: FalsePositiveStore, thresholds stored: ThresholdStore? = nil,
        partitioner: StatePartitioner? = nil
    ) throws {
        try falsePositives.load()
        self.falsePositives = falsePositives
        var tracker = ThresholdTracker(rules: config.thresholds)
        tracker.tracksChanges = stored != nil
        tracker.partitioner = partitioner
        if let stored {
            tracker.restore(try stored.load { hash in partitioner?.partition(of: Fingerprint(value: hash)) ?? 0 })
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

    /// Whether other instances' shares of threshold keys matter: only a rule with `group_by`
    /// counts alerts of several partitions under one key.
    var wantsRemoteShares: Bool { state.withLock { s in s.thresholds.rules.contains { $0.groupBy != nil } } }

    /// Shares of threshold keys other instances count (their partitions' records in the state
    /// changelog): held beside this instance's own, each replacing the last one read, so a
    /// decision counts them together. Never written here: they are their owner's to keep.
    func takeRemoteShares(_ snapshots: [ThresholdKeySnapshot]) {
        guard !snapshots.isEmpty else { return }
        let applied = state.withLock { $0.thresholds.restore(snapshots) }
        Counter(label: "klaxon_threshold_remote_shares_total").increment(by: applied)
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
