import Foundation
import KlaxonCore

/// Everything one consumed batch changes, written in one transaction before offsets commit.
public struct BatchWrite: Sendable {
    public var consumed: [ConsumedRecord]
    public var reports: [AlertReport]

    public init(consumed: [ConsumedRecord] = [], reports: [AlertReport] = []) {
        self.consumed = consumed
        self.reports = reports
    }
}

/// One Kafka message and what became of it (`alerts:3`, `deadletter: reason`).
public struct ConsumedRecord: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var outcome: String

    public init(topic: String, partition: Int32, offset: Int64, outcome: String) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.outcome = outcome
    }
}

/// One decoded alert, the partition that owns its state, and where it would be notified.
public struct AlertReport: Sendable {
    public var alert: Alert
    /// `topic/partition` that carried it; alert state is owned by that partition.
    public var owner: String
    public var receivedAt: Date
    public var targets: [DeliveryTarget]

    public init(alert: Alert, owner: String, receivedAt: Date, targets: [DeliveryTarget]) {
        self.alert = alert
        self.owner = owner
        self.receivedAt = receivedAt
        self.targets = targets
    }
}

/// A receiver and its integrations (`file[0]`, `webhook[1]`): one outbox row per integration,
/// so each retries on its own and a slow webhook never re-sends to a file that succeeded.
public struct DeliveryTarget: Sendable, Hashable {
    public var receiver: String
    public var integrations: [String]

    public init(receiver: String, integrations: [String]) {
        self.receiver = receiver
        self.integrations = integrations
    }
}

/// What a batch did: each report's transition, and how many notifications were queued.
public struct BatchResult: Sendable {
    public var transitions: [AlertTransition]
    public var queued: Int
}
