import Foundation

/// A silence: alerts matching all `matchers` are muted from `startsAt` until it ends, either at
/// a fixed time (`endsAt`) or — Klaxon's addition — when the silenced alert resolves
/// (`on-resolve`; the shell records that moment with `expired(at:)`).
public struct Silence: Sendable, Hashable, Identifiable {
    /// How a silence ends.
    public enum Ending: Sendable, Hashable {
        /// Active until this instant (inclusive, as in Alertmanager).
        case at(Date)
        /// Active until the alert it silences resolves.
        case onResolve
    }

    /// Lifecycle state, computed from an injected `now`.
    public enum State: String, Sendable, Hashable {
        case pending, active, expired
    }

    public var id: String
    public var matchers: [Matcher]
    public var startsAt: Date
    public var ending: Ending
    /// Set when the silence was expired early (by hand, or by its alert resolving).
    public var expiredAt: Date?
    public var createdBy: String
    public var comment: String

    public init(id: String, matchers: [Matcher], startsAt: Date, ending: Ending, expiredAt: Date? = nil,
                createdBy: String, comment: String) {
        self.id = id
        self.matchers = matchers
        self.startsAt = startsAt
        self.ending = ending
        self.expiredAt = expiredAt
        self.createdBy = createdBy
        self.comment = comment
    }

    /// Pending before `startsAt`, expired after its end (or once expired early), else active.
    public func state(at now: Date) -> State {
        if let expiredAt, now >= expiredAt { return .expired }
        if now < startsAt { return .pending }
        if case let .at(end) = ending, now > end { return .expired }
        return .active
    }

    /// Whether this silence mutes an alert with these labels at `now`.
    public func mutes(_ labels: [String: String], at now: Date) -> Bool {
        state(at: now) == .active && matchers.matches(labels)
    }

    /// This silence, ended at `date` (used when an `on-resolve` silence's alert resolves).
    public func expired(at date: Date) -> Silence {
        var s = self
        s.expiredAt = min(expiredAt ?? date, date)
        return s
    }

    /// Alertmanager's validity rules, with its wording.
    public func validate() throws(MatcherError) {
        if id.isEmpty { throw MatcherError("ID missing") }
        if matchers.isEmpty { throw MatcherError("at least one matcher required") }
        if matchers.allSatisfy({ $0.matches(value: "") }) {
            throw MatcherError("at least one matcher must not match the empty string")
        }
        if case let .at(end) = ending, end < startsAt { throw MatcherError("end time must not be before start time") }
        if createdBy.isEmpty { throw MatcherError("creator information missing") }
        if comment.isEmpty { throw MatcherError("comment missing") }
    }
}
