import Foundation
import KlaxonCore
import KlaxonStore
import Logging
import Metrics
import Synchronization

/// Drains the outbox: delivers due entries through their integration's sink, marks them
/// delivered, retries with backoff, or dead-letters them. Entries of one integration go out in
/// order, one at a time; different integrations run concurrently.
public final class OutboxDispatcher: Sendable {
    private let outbox: Outbox
    private let sinkTable: Mutex<[String: any AlertSink]>
    private let policy: RetryPolicy
    private let logger: Logger
    private let wake: AsyncStream<Void>.Continuation
    private let wakes: AsyncStream<Void>

    /// - Parameter sinks: keyed by `receiver/integration`, e.g. `default/webhook[0]`.
    public init(outbox: Outbox, sinks: [String: any AlertSink], policy: RetryPolicy = RetryPolicy(), logger: Logger) {
        self.outbox = outbox
        self.sinkTable = Mutex(sinks)
        self.policy = policy
        self.logger = logger
        (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Replaces the sinks (after a config reload); deliveries in flight finish on the old ones.
    public func setSinks(_ sinks: [String: any AlertSink]) { sinkTable.withLock { $0 = sinks } }

    /// Asks the loop to look at the outbox now (after a batch queued notifications).
    public func nudge() { wake.yield() }

    /// Runs until the task is cancelled: drains due entries on every nudge and every `tick`.
    public func run(tick: Duration = .milliseconds(250)) async {
        await withDiscardingTaskGroup { group in
            group.addTask { [wake] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: tick)
                    wake.yield()
                }
            }
            for await _ in wakes {
                if Task.isCancelled { break }
                await drainDue(now: Date())
            }
            group.cancelAll()
        }
    }

    /// Stops `run` after its current drain.
    public func finish() { wake.finish() }

    /// Delivers every entry due at `now` once; returns how many were attempted. Retries are
    /// scheduled relative to `now`, so tests drive the dispatcher on virtual time.
    @discardableResult
    public func drainDue(now: Date) async -> Int {
        let due: [OutboxEntry]
        do { due = try outbox.due(now: now) } catch {
            logger.error("cannot read outbox: \(error)")
            return 0
        }
        guard !due.isEmpty else { return 0 }
        let byIntegration = Dictionary(grouping: due) { "\($0.receiver)/\($0.integration)" }
        await withTaskGroup(of: Void.self) { group in
            for (key, entries) in byIntegration {
                group.addTask { await self.deliver(entries, via: key, now: now) }
            }
        }
        return due.count
    }

    private func deliver(_ entries: [OutboxEntry], via key: String, now: Date) async {
        guard let sink = sinkTable.withLock({ $0[key] }) else {
            for e in entries {
                record(e, outcome: "dead")
                try? outbox.markFailed(e.id, error: "integration \(key) is no longer configured", retryAt: nil)
            }
            return
        }
        for (i, entry) in entries.enumerated() {
            do {
                try await sink.deliver(entry.notification)
                try outbox.markDelivered(entry.id, at: now)
                record(entry, outcome: "delivered")
            } catch {
                let failure = error as? DeliveryError ?? DeliveryError("\(error)")
                let delay = failure.isRetriable ? policy.delay(afterAttempts: entry.attempts + 1, retryAfter: failure.retryAfter) : nil
                let retryAt = delay.map { now.addingTimeInterval(Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18) }
                try? outbox.markFailed(entry.id, error: failure.message, retryAt: retryAt)
                record(entry, outcome: retryAt == nil ? "dead" : "retry")
                logger.warning(
                    "delivery failed",
                    metadata: [
                        "integration": "\(key)", "attempt": "\(entry.attempts + 1)", "error": "\(failure.message)",
                        "next": "\(retryAt.map { "\($0)" } ?? "dead-lettered")",
                    ])
                // Keep order within an integration: the rest wait for this one's retry.
                if let retryAt {
                    try? outbox.postpone(entries[(i + 1)...].map(\.id), until: retryAt)
                    return
                }
            }
        }
    }

    private func record(_ e: OutboxEntry, outcome: String) {
        Counter(
            label: "klaxon_notifications_total",
            dimensions: [("receiver", e.receiver), ("integration", e.integration), ("outcome", outcome)]
        ).increment()
    }
}
