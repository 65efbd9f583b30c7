import Foundation

extension Silence {
    /// Whether creating this silence at `now` would only repeat `existing`: the same matchers
    /// (in any order), end, creator and comment, the same start once both are clamped to `now`
    /// (a start in the past means "from now", as a new silence gets), and `existing` not
    /// expired. Importing one export twice, or a retried POST, then finds the first silence
    /// instead of making a second. Times compare at the store's millisecond precision.
    public func duplicates(_ existing: Silence, at now: Date) -> Bool {
        guard existing.state(at: now) != .expired, createdBy == existing.createdBy, comment == existing.comment,
            Set(matchers) == Set(existing.matchers)
        else { return false }
        func ms(_ d: Date) -> Int64 { Int64((d.timeIntervalSince1970 * 1000).rounded()) }
        guard ms(max(startsAt, now)) == ms(max(existing.startsAt, now)) else { return false }
        switch (ending, existing.ending) {
        case (.onResolve, .onResolve): return true
        case let (.at(a), .at(b)): return ms(a) == ms(b)
        default: return false
        }
    }
}
