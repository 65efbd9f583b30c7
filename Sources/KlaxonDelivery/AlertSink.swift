import KlaxonCore

/// Something that takes notifications: a file, a webhook, a topic. One instance per integration.
public protocol AlertSink: Sendable {
    /// Delivers one notification; throws `DeliveryError` saying whether a retry may succeed.
    func deliver(_ notification: AlertNotification) async throws
}

/// Why a delivery failed and whether the retry stage should try again.
public struct DeliveryError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// False for answers that will not change (HTTP 4xx other than 408/429, a bad config).
    public var isRetriable: Bool
    /// The receiver's `Retry-After`, when it sent one.
    public var retryAfter: Duration?

    public init(_ message: String, isRetriable: Bool = true, retryAfter: Duration? = nil) {
        self.message = message
        self.isRetriable = isRetriable
        self.retryAfter = retryAfter
    }

    public var description: String { message }
}

/// A sink that buffers writes and makes them durable on `flush()` (the file sink). The
/// dispatcher flushes it once per batch, before it records the batch's deliveries, so a crash
/// never leaves a notification marked delivered that was not written.
public protocol FlushingSink: AlertSink {
    /// Writes buffered data out and syncs it as the sink's policy says.
    func flush() async throws
}
