import Foundation

/// A set of silences consulted together; an alert is muted when any active silence matches it.
public struct Silencer: Muter {
    public var silences: [Silence]

    public init(silences: [Silence]) { self.silences = silences }

    /// The silences that mute an alert with these labels at `now`, in the set's order.
    public func silences(muting labels: [String: String], at now: Date) -> [Silence] {
        silences.filter { $0.mutes(labels, at: now) }
    }

    public func mutes(_ labels: [String: String], at now: Date) -> Bool {
        silences.contains { $0.mutes(labels, at: now) }
    }

    /// `on-resolve` silences that muted this (now resolved) alert, ended at `resolvedAt`.
    public func resolving(_ labels: [String: String], at resolvedAt: Date) -> Silencer {
        Silencer(silences: silences.map { s in
            if case .onResolve = s.ending, s.mutes(labels, at: resolvedAt) { return s.expired(at: resolvedAt) }
            return s
        })
    }
}
