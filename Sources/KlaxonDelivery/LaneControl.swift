import Foundation
import KlaxonCore
import Metrics
import Synchronization

/// The state one integration's stages share across sends: its circuit breaker and token
/// bucket. Kept by the dispatcher per `receiver/integration`, across config reloads.
public final class LaneControl: Sendable {
    public let receiver: String
    public let integration: String
    private let breaker: Mutex<CircuitBreaker>
    private let bucket: Mutex<TokenBucket?>

    public init(receiver: String, integration: String, breaker: CircuitBreaker, rateLimit: RateLimit?) {
        self.receiver = receiver
        self.integration = integration
        self.breaker = Mutex(breaker)
        self.bucket = Mutex(rateLimit.map { TokenBucket(ratePerSecond: $0.perSecond, burst: Double($0.burst)) })
    }

    /// The breaker's answer for a send at `now`.
    func admit(at now: Date) -> CircuitBreaker.Decision { breaker.withLock { $0.decide(at: now) } }

    /// Takes a rate-limit token at `now`; nil when taken, else when to try again.
    func takeToken(at now: Date) -> Date? { bucket.withLock { $0?.take(at: now) } }

    /// Tells the breaker how a send went; publishes `klaxon_notification_breaker_open`.
    func report(success: Bool, at now: Date) {
        let open = breaker.withLock { b -> Bool in
            if success { b.recordSuccess() } else { b.recordFailure(at: now) }
            return b.state != .closed
        }
        Gauge(label: "klaxon_notification_breaker_open", dimensions: [("receiver", receiver), ("integration", integration)])
            .record(open ? 1 : 0)
    }

    /// How long the breaker has been open at `now` (zero while closed).
    func openFor(at now: Date) -> TimeInterval { breaker.withLock { $0.openFor(at: now) } }

    /// The breaker's state (for reports and tests).
    public var breakerState: CircuitBreaker.State { breaker.withLock { $0.state } }
}
