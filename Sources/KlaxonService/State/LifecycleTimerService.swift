import Foundation
import Logging
import ServiceLifecycle

/// Runs `LifecycleSweeper` every `interval` on an injected clock, reading the time from an
/// injected `now`, until shutdown. A failed pass is logged and retried on the next.
struct LifecycleTimerService<C: Clock>: Service where C.Duration == Duration {
    let sweeper: LifecycleSweeper
    let clock: C
    let now: @Sendable () -> Date
    /// Default 10 s: resolve timeouts and SLAs are minutes long.
    var interval: Duration = .seconds(10)
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do { _ = try await sweeper.sweep(now: now()) } catch {
                logger.error("lifecycle timers: \(error)")
            }
            let (clock, interval) = (self.clock, self.interval)
            do { try await cancelWhenGracefulShutdown { try await clock.sleep(for: interval) } } catch { return }
        }
    }
}
