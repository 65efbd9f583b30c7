import Foundation

/// `escalation_policies:` in a routes file: who hears about an alert nobody acknowledges, and
/// when. A route names a policy (`escalation: NAME`, inherited by child routes).
///
/// ```yaml
/// escalation_policies:
///   - name: security-oncall
///     tiers:
///       - receivers: [secops-lead]     # 15 m after the first notification
///         delay: 15m
///       - receivers: [ciso]            # 30 m after that
///         delay: 30m
///     repeat: 1                        # then once more from the first tier (default 0)
/// ```
/// Escalation stops when the alert is acknowledged or resolved. An SLA breach moves it up a
/// tier at once.
public struct EscalationPolicy: Sendable, Hashable {
    public struct Tier: Sendable, Hashable {
        public var receivers: [String]
        /// Wait after the previous step (the first tier: after the first notification).
        public var delay: Duration

        public init(receivers: [String], delay: Duration) {
            self.receivers = receivers
            self.delay = delay
        }
    }

    public var name: String
    public var tiers: [Tier]
    /// How many times the tiers run again after the last one. Default 0.
    public var `repeat`: Int

    public init(name: String, tiers: [Tier], repeat: Int = 0) {
        self.name = name
        self.tiers = tiers
        self.repeat = `repeat`
    }

    /// Steps in all: every tier, once per cycle.
    public var stepCount: Int { tiers.count * (`repeat` + 1) }

    /// The tier of step `n` (0-based) and its cycle; nil past the last step.
    public func tier(ofStep n: Int) -> (tier: Tier, index: Int, cycle: Int)? {
        guard n >= 0, n < stepCount, !tiers.isEmpty else { return nil }
        return (tiers[n % tiers.count], n % tiers.count, n / tiers.count)
    }
}

/// Where one alert's escalation stands: the next step and when it is due.
public struct EscalationState: Sendable, Hashable {
    public var fingerprint: Fingerprint
    public var policy: String
    /// Start of the alert instance the escalation belongs to.
    public var instanceStart: Date
    /// The next step to run (0-based over `EscalationPolicy.stepCount`).
    public var step: Int
    public var dueAt: Date

    public init(fingerprint: Fingerprint, policy: String, instanceStart: Date, step: Int, dueAt: Date) {
        self.fingerprint = fingerprint
        self.policy = policy
        self.instanceStart = instanceStart
        self.step = step
        self.dueAt = dueAt
    }
}

/// The pure rules of escalation.
public enum Escalation {
    /// What to do with an escalation at `now`.
    public enum Action: Sendable, Hashable {
        /// Nothing yet (not due).
        case wait
        /// The alert was acknowledged or resolved (or its policy is gone): forget it.
        case stop
        /// Notify the tier's receivers, then continue with `next` (after the last step: a state
        /// that is never due, so a finished escalation does not start over).
        case notify(tier: Int, cycle: Int, receivers: [String], next: EscalationState)
    }

    /// The first step of a new escalation: due one tier-1 delay after the first notification.
    public static func start(_ fp: Fingerprint, policy: EscalationPolicy, instanceStart: Date, notifiedAt: Date) -> EscalationState? {
        guard let first = policy.tier(ofStep: 0) else { return nil }
        return EscalationState(
            fingerprint: fp, policy: policy.name, instanceStart: instanceStart, step: 0,
            dueAt: notifiedAt.addingTimeInterval(first.tier.delay.seconds))
    }

    /// Decides an escalation at `now`. `open` says the alert is still unacknowledged and
    /// unresolved (in the same instance); `breached` makes a waiting step due at once.
    public static func decide(_ s: EscalationState, policy: EscalationPolicy?, open: Bool, breached: Bool, now: Date) -> Action {
        guard open, let policy else { return .stop }
        guard let step = policy.tier(ofStep: s.step) else { return .wait }  // finished: nothing more to send
        guard breached || now >= s.dueAt else { return .wait }
        var next = s
        next.step += 1
        next.dueAt = policy.tier(ofStep: next.step).map { now.addingTimeInterval($0.tier.delay.seconds) } ?? .distantFuture
        return .notify(tier: step.index, cycle: step.cycle, receivers: step.tier.receivers, next: next)
    }
}
