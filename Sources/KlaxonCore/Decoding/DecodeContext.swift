import Foundation

/// What a decoder knows about a message besides its bytes. Passed in so decoders stay pure.
public struct DecodeContext: Sendable {
    /// When Klaxon received the message; used when the input carries no time of its own.
    public var receivedAt: Date
    /// `environment` label to add when the input does not set one (from topic config or header).
    public var environment: String?
    /// Extra labels to add to every alert (from topic config), never overriding decoded ones.
    public var extraLabels: [String: String]

    public init(receivedAt: Date, environment: String? = nil, extraLabels: [String: String] = [:]) {
        self.receivedAt = receivedAt
        self.environment = environment
        self.extraLabels = extraLabels
    }
}
