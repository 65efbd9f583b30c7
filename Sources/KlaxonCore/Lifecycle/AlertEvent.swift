import Foundation

/// One entry of an alert's history: a lifecycle transition with who, when and why.
/// Duplicate reports are not one entry each: an instance's entry counts them (`count`).
public struct AlertEvent: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// First report of the fingerprint; `reason` holds the noise filter's verdict.
        case opened
        /// Reported again after it resolved (a regression); `reason` holds the verdict.
        case reopened
        /// Duplicate reports of the current instance (`count` of them, the last at `lastAt`).
        case reported
        /// A held-back instance passed the noise filter (a threshold was reached).
        case admitted
        /// A notification was queued for a receiver's integration (`ref`: its outbox key).
        case notified
        case acknowledged
        /// `actor` says by what: `scan`, `timeout`, `source` (the finding's own state) or a person.
        case resolved
        /// The alert outlived its SLA; `reason` names which (`acknowledge`, `resolve`).
        case slaBreached = "sla_breached"
        /// An escalation tier was notified; `reason` names the policy and tier.
        case escalated
    }

    public var at: Date
    public var kind: Kind
    /// Who or what caused it: `ingest`, `scan`, `timeout`, `source`, `escalation`, a receiver, a user.
    public var actor: String
    public var reason: String
    /// Reports this entry stands for (1 except for `reported`).
    public var count: Int
    /// The last of the counted reports.
    public var lastAt: Date?
    /// For `notified`: the outbox idempotency key.
    public var ref: String?
    /// For `notified`: the outbox row's delivery status (`pending`, `delivered`, `dead`), when known.
    public var delivery: String?

    public init(
        at: Date, kind: Kind, actor: String, reason: String = "", count: Int = 1, lastAt: Date? = nil, ref: String? = nil,
        delivery: String? = nil
    ) {
        self.at = at
        self.kind = kind
        self.actor = actor
        self.reason = reason
        self.count = count
        self.lastAt = lastAt
        self.ref = ref
        self.delivery = delivery
    }
}
