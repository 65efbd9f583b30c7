import Synchronization

/// Stops registered during a scope, run (awaited, newest first) when the scope ends: how a
/// fixture that starts servers gets an awaited stop although `defer` cannot await. A test
/// target opens one scope per test (a scoping trait calling `scope`); fixtures `register`.
public final class Teardown: Sendable {
    @TaskLocal public static var current: Teardown?

    private let stops = Mutex<[@Sendable () async -> Void]>([])

    /// Registers `stop` with the current scope; false when there is none (then the caller
    /// must stop what it started itself).
    @discardableResult
    public static func register(_ stop: @escaping @Sendable () async -> Void) -> Bool {
        guard let scope = current else { return false }
        scope.stops.withLock { $0.append(stop) }
        return true
    }

    /// Runs `body` in a new scope, then every stop registered in it (awaited, newest first),
    /// whether `body` threw or not.
    public static func scope<T>(_ body: () async throws -> T) async throws -> T {
        let scope = Teardown()
        let outcome = await $current.withValue(scope) { await capture(body) }
        for stop in scope.stops.withLock({ $0 }).reversed() { await stop() }
        return try outcome.get()
    }
}
