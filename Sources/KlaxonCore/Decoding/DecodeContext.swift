import Foundation

/// What a decoder knows about a message besides its bytes. Passed in so decoders stay pure.
public struct DecodeContext: Sendable {
    /// When Klaxon received the message; used when the input carries no time of its own.
    public var receivedAt: Date
    /// `environment` label to add when the input does not set one (from topic config or header).
    public var environment: String?
    /// Extra labels to add to every alert (from topic config), never overriding decoded ones.
    public var extraLabels: [String: String]
    /// When the message was produced (the Kafka record's timestamp), if known. Relative times
    /// in the input (Alertmanager's `endsAt`) are taken from it, so a backlog consumed late
    /// does not expire alerts that were fresh when sent.
    public var producedAt: Date?

    public init(receivedAt: Date, environment: String? = nil, extraLabels: [String: String] = [:], producedAt: Date? = nil) {
        self.producedAt = producedAt
        self.receivedAt = receivedAt
        self.environment = environment
        self.extraLabels = extraLabels
    }
}
