import Foundation

/// A token bucket on virtual time: `ratePerSecond` tokens accrue up to `burst`; each send
/// takes one. A rate of 0 means unlimited.
public struct TokenBucket: Sendable, Hashable {
    /// Tokens added per second; 0 disables the limit.
    public var ratePerSecond: Double
    /// Most tokens held at once (the largest burst); at least 1.
    public var burst: Double
    private var tokens: Double
    private var updatedAt: Date?

    public init(ratePerSecond: Double, burst: Double) {
        self.ratePerSecond = ratePerSecond
        self.burst = max(1, burst)
        self.tokens = max(1, burst)
    }

    /// Takes a token at `now`, or says when the next one is there.
    /// - Returns: nil when a token was taken, else the earliest time to ask again.
    public mutating func take(at now: Date) -> Date? {
        guard ratePerSecond > 0 else { return nil }
        if let updatedAt, now > updatedAt {
            tokens = min(burst, tokens + now.timeIntervalSince(updatedAt) * ratePerSecond)
        }
        if updatedAt == nil || now > updatedAt! { updatedAt = now }
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        return now.addingTimeInterval((1 - tokens) / ratePerSecond)
    }
}
