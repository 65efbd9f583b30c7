import Foundation
import KlaxonCore
import Synchronization

/// The noise filter as the ingest loop uses it, synchronously inside the batch transaction:
/// false positives, ignore rules and thresholds decide at ingest. Silences and inhibition are
/// applied by grouping at flush time, so an alert notifies once its silence ends.
final class NoiseGate: Sendable {
    private struct State {
        var filter: NoiseFilter
        var thresholds: ThresholdTracker
        var falsePositives: Set<Fingerprint>
        var lastPrune: Date
    }

    private let state: Mutex<State>

    init(config: NoiseConfig, falsePositives: Set<Fingerprint>) {
        state = Mutex(State(
            filter: NoiseFilter(config: config), thresholds: ThresholdTracker(rules: config.thresholds),
            falsePositives: falsePositives, lastPrune: .distantPast))
    }

    func decide(_ alert: Alert, _ transition: AlertTransition, _ admitted: Bool, _ now: Date) -> NoiseDecision {
        state.withLock { s in
            if now.timeIntervalSince(s.lastPrune) > 60 {
                s.thresholds.prune(at: now)
                s.lastPrune = now
            }
            return s.filter.decide(
                alert, transition: transition, instanceNotified: transition == .duplicate ? admitted : nil,
                falsePositives: s.falsePositives, silencer: Silencer(silences: []), inhibitor: nil, thresholds: &s.thresholds,
                at: now)
        }
    }

    func isFalsePositive(_ fp: Fingerprint) -> Bool { state.withLock { $0.falsePositives.contains(fp) } }

    func markFalsePositive(_ fp: Fingerprint) { state.withLock { _ = $0.falsePositives.insert(fp) } }

    /// New rules from a reload; threshold counts of rules that stay are kept.
    func reload(_ config: NoiseConfig) {
        state.withLock { s in
            s.filter = NoiseFilter(config: config)
            s.thresholds = s.thresholds.reconfigured(with: config.thresholds)
        }
    }
}
