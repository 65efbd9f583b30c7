import Foundation

/// One integration's circuit breaker, on virtual time: closed until `failureThreshold`
/// consecutive failures, then open for `coolDown`; after that one probe is let through
/// (half-open): its success closes the breaker, its failure opens it for another `coolDown`.
public struct CircuitBreaker: Sendable, Hashable {
    public enum State: String, Sendable, Hashable { case closed, open, halfOpen = "half-open" }

    /// What the breaker says about a send at some time.
    public enum Decision: Sendable, Hashable {
        /// Send (breaker closed).
        case allow
        /// Send: the one probe of a half-open breaker. Others wait until it reports.
        case probe
        /// Do not send before this time.
        case wait(until: Date)
    }

    /// Consecutive failures that open the breaker. Default 5.
    public var failureThreshold: Int
    /// How long it stays open before a probe. Default 30 s.
    public var coolDown: TimeInterval

    public private(set) var state: State = .closed
    public private(set) var consecutiveFailures = 0
    /// When the breaker last went from closed to open (kept while it stays open or half-open).
    public private(set) var openedAt: Date?
    private var retryAt: Date?
    private var probeInFlight = false

    public init(failureThreshold: Int = 5, coolDown: TimeInterval = 30) {
        self.failureThreshold = max(1, failureThreshold)
        self.coolDown = coolDown
    }

    /// Asks whether a send may start at `now`; a `.probe` answer reserves the probe.
    public mutating func decide(at now: Date) -> Decision {
        switch state {
        case .closed:
            return .allow
        case .open:
            guard let retryAt, now < retryAt else {
                state = .halfOpen
                probeInFlight = true
                return .probe
            }
            return .wait(until: retryAt)
        case .halfOpen:
            if probeInFlight { return .wait(until: now.addingTimeInterval(min(coolDown, 1))) }
            probeInFlight = true
            return .probe
        }
    }

    /// A send reached the receiver and it answered (a permanent rejection counts: the
    /// receiver is up).
    public mutating func recordSuccess() {
        state = .closed
        consecutiveFailures = 0
        openedAt = nil
        retryAt = nil
        probeInFlight = false
    }

    /// A send failed in a way that may pass later (timeout, refused connection, 5xx, 429).
    public mutating func recordFailure(at now: Date) {
        consecutiveFailures += 1
        switch state {
        case .halfOpen:
            state = .open
            retryAt = now.addingTimeInterval(coolDown)
            probeInFlight = false
        case .closed where consecutiveFailures >= failureThreshold:
            state = .open
            openedAt = now
            retryAt = now.addingTimeInterval(coolDown)
        case .closed, .open:
            break
        }
    }

    /// How long the breaker has been open (or half-open) at `now`; zero while closed.
    public func openFor(at now: Date) -> TimeInterval {
        guard state != .closed, let openedAt else { return 0 }
        return now.timeIntervalSince(openedAt)
    }
}
