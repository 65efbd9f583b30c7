import Foundation
import KlaxonDelivery
import Logging
import ServiceLifecycle

/// Flushes due groups into the outbox and wakes the dispatcher when it queued something. It
/// sleeps until the earliest group deadline (at most `tick`), and ingest rings its doorbell when
/// alerts arrive, so a `group_wait: 0s` group flushes at once instead of on the next tick. On
/// graceful shutdown it flushes what is due one last time.
struct GroupingService: Service {
    let grouping: GroupingEngine
    let dispatcher: OutboxDispatcher
    let logger: Logger
    var tick: Duration = .milliseconds(250)

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await flushOnce()
            var wait = tick
            if let next = await grouping.nextFlushAt {
                let ms = max(0, min(Int64(next.timeIntervalSinceNow * 1000) + 1, tick.milliseconds))
                wait = .milliseconds(ms)
            }
            if wait > .zero { await grouping.doorbell.wait(upTo: wait) }
        }
        await flushOnce()
    }

    private func flushOnce() async {
        do {
            if try await grouping.flush(now: Date()) > 0 { dispatcher.nudge() }
        } catch {
            logger.error("cannot record a group flush (retried next tick): \(error)")
        }
    }
}

extension Duration {
    /// Whole milliseconds, rounded down.
    fileprivate var milliseconds: Int64 {
        let (s, atto) = components
        return s * 1000 + atto / 1_000_000_000_000_000
    }
}
