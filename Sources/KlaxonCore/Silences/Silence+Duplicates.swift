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

/// Finds a silence by a unique prefix of its id, as `klaxon silence expire` accepts one.
public enum SilenceIDPrefix {
    /// The one id equal to `prefix` or starting with it.
    /// - Throws: `SilenceLookupError` when no id, or several ids, start with it.
    public static func resolve(_ prefix: String, among ids: [String]) throws(SilenceLookupError) -> String {
        if ids.contains(prefix) { return prefix }
        let found = prefix.isEmpty ? [] : ids.filter { $0.hasPrefix(prefix) }
        switch found.count {
        case 1: return found[0]
        case 0: throw SilenceLookupError("no silence id starts with \"\(prefix)\"")
        default:
            throw SilenceLookupError("silence id prefix \"\(prefix)\" is ambiguous, it matches \(found.sorted().joined(separator: ", "))")
        }
    }
}

/// A silence id that names no silence, or several.
public struct SilenceLookupError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
