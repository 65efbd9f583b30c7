/// `delivery:` in `klaxon.yml`: how the dispatcher sends. Every default is what an omitted key
/// means.
public struct DeliverySettings: Sendable, Hashable {
    public var retry: RetryPolicy
    /// Sends in flight at once per integration (`concurrency`). Default 8.
    public var concurrency: Int
    /// Longest a single send may take before it counts as a retriable failure (`timeout`).
    /// Default 10 s.
    public var timeout: Duration
    /// Consecutive retriable failures that open an integration's breaker
    /// (`breaker.failures`). Default 5.
    public var breakerFailures: Int
    /// How long an open breaker waits before its probe (`breaker.cool_down`). Default 30 s.
    public var breakerCoolDown: Duration
    /// A notification waiting behind a breaker open this long is also queued to the receiver's
    /// `fallback_receiver` (`fallback_after`). Default 5 min.
    public var fallbackAfter: Duration
    /// Rate limit for every integration without its own (`rate_limit`); default none, except
    /// the per-kind defaults in `RateLimit.default(forIntegration:)`.
    public var rateLimit: RateLimit?
    /// Per receiver name (`rate_limits: {name: {per_second, burst}}`), overriding `rateLimit`.
    public var rateLimits: [String: RateLimit]

    public init(
        retry: RetryPolicy = RetryPolicy(), concurrency: Int = 8, timeout: Duration = .seconds(10),
        breakerFailures: Int = 5, breakerCoolDown: Duration = .seconds(30), fallbackAfter: Duration = .seconds(300),
        rateLimit: RateLimit? = nil, rateLimits: [String: RateLimit] = [:]
    ) {
        self.retry = retry
        self.concurrency = concurrency
        self.timeout = timeout
        self.breakerFailures = breakerFailures
        self.breakerCoolDown = breakerCoolDown
        self.fallbackAfter = fallbackAfter
        self.rateLimit = rateLimit
        self.rateLimits = rateLimits
    }

    /// The limit for one integration of a receiver: the receiver's own, else the global one,
    /// else the integration kind's default (nil: unlimited).
    public func rateLimit(receiver: String, integration: String) -> RateLimit? {
        rateLimits[receiver] ?? rateLimit ?? RateLimit.default(forIntegration: integration)
    }
}

/// A token-bucket rate: `per_second` sustained, `burst` at once.
public struct RateLimit: Sendable, Hashable {
    public var perSecond: Double
    public var burst: Int

    public init(perSecond: Double, burst: Int) {
        self.perSecond = perSecond
        self.burst = burst
    }

    /// Limits the services publish: PagerDuty Events API v2 takes 120 events a minute per
    /// routing key (2/s, burst 10 here); Slack incoming webhooks take about one message a
    /// second per channel (burst 5). Other kinds are unlimited unless configured.
    public static func `default`(forIntegration integration: String) -> RateLimit? {
        if integration.hasPrefix("pagerduty[") { return RateLimit(perSecond: 2, burst: 10) }
        if integration.hasPrefix("slack[") { return RateLimit(perSecond: 1, burst: 5) }
        return nil
    }
}
