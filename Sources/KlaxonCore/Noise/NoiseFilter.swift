import Foundation

/// The suppress stage as one pure function: given an alert report, what the lifecycle made of
/// it, and the current mutes, decide whether it notifies and, if not, exactly why.
///
/// Reasons are checked in this order; the first that applies is reported (and counted once in
/// `klaxon_alerts_suppressed_total{reason}`):
///
/// 1. `false_positive` — a person looked at this exact fingerprint and said it is not real.
///    The most specific and final verdict; nothing else matters for it.
/// 2. `ignored` — a reviewed, owned policy in `routes/*.yml`. Longer-lived than any silence:
///    when both apply, the ignore rule is the true reason it stays quiet (the silence ending
///    would change nothing), and its owner is who to ask. Then `threshold` for an alert below
///    its environment's minimum severity (`environment_thresholds`), also a standing policy.
/// 3. `silenced` — an explicit, time-boxed human decision about this alert.
/// 4. `inhibited` — derived from other alerts' state, the most transient mute.
/// 5. `duplicate` — not muted, but this firing instance was already notified.
/// 6. `threshold` — it would notify, but its threshold rule holds it (count not reached, burst
///    already notified, or `min_interval` damping).
///
/// Mutes come before dedup so that the counts say why alerts are quiet (a silence over a noisy
/// Falco rule counts every report it eats, not one). Muted reports are not counted by threshold
/// rules. Threshold rules only ever hold reports that would otherwise notify, so they come last.
public struct NoiseFilter: Sendable {
    public var config: NoiseConfig

    public init(config: NoiseConfig) { self.config = config }

    /// Decides one report.
    ///
    /// - Parameters:
    ///   - transition: what `AlertLifecycle.report` returned for this report.
    ///   - instanceNotified: whether this firing instance has already produced a notification.
    ///     Nil (the default) infers it from `transition` (a duplicate counts as notified). Pass
    ///     false for a duplicate whose earlier reports were all suppressed, so it notifies once
    ///     its silence or inhibition is gone.
    ///   - falsePositives: fingerprints marked as false positives.
    ///   - inhibitor: built from the currently firing alerts; nil when there are no inhibit rules.
    ///   - thresholds: the threshold state; updated for reports that reach the threshold stage.
    public func decide(
        _ alert: Alert, transition: AlertTransition, instanceNotified: Bool? = nil,
        falsePositives: Set<Fingerprint>, silencer: Silencer, inhibitor: Inhibitor?,
        thresholds: inout ThresholdTracker, at now: Date
    ) -> NoiseDecision {
        if !falsePositives.isEmpty, falsePositives.contains(alert.fingerprint) {
            return .suppressed(.falsePositive, .falsePositive(alert.fingerprint))
        }
        if let i = config.activeIgnoreRuleIndex(for: alert, at: now) {
            return .suppressed(.ignored, .ignored(index: i, rule: config.suppressions[i]))
        }
        if let (env, minimum) = config.environmentMinimum(holdingBack: alert) {
            return .suppressed(.threshold, .belowEnvironmentMinimum(environment: env, minimum: minimum))
        }
        if !silencer.silences.isEmpty {
            var muting: [Silence] = []
            for s in silencer.silences where s.mutes(alert.labels, at: now) { muting.append(s) }
            if !muting.isEmpty { return .suppressed(.silenced, .silenced(muting)) }
        }
        if let inhibitor, let inh = inhibitor.inhibition(of: alert.labels) {
            return .suppressed(.inhibited, .inhibited(ruleIndex: inh.ruleIndex, rule: inhibitor.rules[inh.ruleIndex],
                                                      sourceLabels: inh.sourceLabels))
        }
        let wantsNotification = transition.notifies || instanceNotified == false
        guard !thresholds.rules.isEmpty,
              let outcome = thresholds.evaluate(alert, at: now, wantsNotification: wantsNotification) else {
            return wantsNotification ? .notify(transition: transition, threshold: nil) : .suppressed(.duplicate, .duplicate)
        }
        switch outcome.decision {
        case .notify: return .notify(transition: transition, threshold: outcome)
        case .held, .alreadyNotified, .damped: return .suppressed(.threshold, .threshold(outcome))
        case .counted, .untracked: return .suppressed(.duplicate, .duplicate)
        }
    }
}
