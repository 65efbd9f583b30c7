/// Runs multi-process scenarios (several `klaxon run`, a chaos run) one at a time across the
/// whole test run. Each keeps both cores of a small machine busy for up to a minute; started
/// together at the suite's start they starved the rest so badly that delivery tests timing a
/// single HTTP request failed (requests waited past their connect timeout). The others still
/// run beside whichever scenario holds the lane.
public enum ClusterLane {
    private static let gate = Gate()

    /// Waits for the lane, runs `body`, and frees the lane whether `body` threw or not.
    public static func exclusive<T>(
        isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T
    ) async throws -> T {
        await gate.enter()
        do {
            let value = try await body()
            await gate.leave()
            return value
        } catch {
            await gate.leave()
            throw error
        }
    }

    /// A one-holder lock that queues waiters in arrival order.
    private actor Gate {
        private var held = false
        private var waiters: [CheckedContinuation<Void, Never>] = []

        func enter() async {
            guard held else {
                held = true
                return
            }
            await withCheckedContinuation { waiters.append($0) }
        }

        func leave() {
            if waiters.isEmpty { held = false } else { waiters.removeFirst().resume() }
        }
    }
}
