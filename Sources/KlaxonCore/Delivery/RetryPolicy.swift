/// When to try a failed delivery again: exponential backoff from `initial`, doubling, capped at
/// `maximum`; a receiver's `Retry-After` wins when longer (still capped). After `maxAttempts`
/// the entry is dead-lettered in the outbox (kept, counted, visible), never silently dropped.
public struct RetryPolicy: Sendable, Hashable {
    /// Default 1 s.
    public var initial: Duration
    /// Default 5 min.
    public var maximum: Duration
    /// Default 12 attempts (about 25 minutes of trying with the defaults).
    public var maxAttempts: Int

    public init(initial: Duration = .seconds(1), maximum: Duration = .seconds(300), maxAttempts: Int = 12) {
        self.initial = initial
        self.maximum = maximum
        self.maxAttempts = maxAttempts
    }

    /// The delay before attempt `attempts + 1`, or nil when no attempt is left.
    /// - Parameter attempts: attempts made so far, including the one that just failed.
    public func delay(afterAttempts attempts: Int, retryAfter: Duration? = nil) -> Duration? {
        guard attempts < maxAttempts else { return nil }
        var d = initial
        for _ in 1..<max(attempts, 1) where d < maximum { d *= 2 }
        if let retryAfter, retryAfter > d { d = retryAfter }
        return min(d, maximum)
    }
}
