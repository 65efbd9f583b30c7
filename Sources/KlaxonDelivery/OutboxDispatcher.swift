import Foundation
import KlaxonCore
import KlaxonStore
import Logging
import Metrics
import Synchronization

/// Drains the outbox through the stage chain (`NotifyStage`s). Every integration is its own
/// lane with up to `concurrency` sends in flight; entries of one group key leave a lane in
/// order (the next waits until the one before is delivered or dead), entries of different
/// groups go in parallel. A slow or dead receiver fills only its own lane's slots. Outcomes are
/// written in batches: one transaction per pass, after buffering sinks were flushed. While
/// running, a pass also reads up to `concurrency` more due heads per lane into a ready queue
/// (`LaneSlots`): a send that ends starts the next of its lane at once instead of waiting for
/// the loop's next write and read.
public final class OutboxDispatcher: Sendable {
    /// Where a receiver's undeliverable notifications also go.
    public struct Fallback: Sendable {
        public var receiver: String
        /// The fallback receiver's integrations and their `send_resolved`.
        public var integrations: [(name: String, sendResolved: Bool)]

        public init(receiver: String, integrations: [(name: String, sendResolved: Bool)]) {
            self.receiver = receiver
            self.integrations = integrations
        }
    }

    private struct Table: Sendable {
        var sinks: [String: any AlertSink]
        var fallbacks: [String: Fallback]
    }

    private struct Pending: Sendable {
        var records: [DeliveryRecord] = []
        var fallbacks: [QueuedNotification] = []
        /// When the fallback copies are due: the earliest pass time that asked for one.
        var fallbackAt: Date?
        /// Lanes whose sink buffers and delivered something in this batch.
        var flushLanes: Set<String> = []
        /// Entry ids of the records, by lane (they stay in flight until written).
        var ids: [(lane: String, id: Int64)] = []
    }

    private let outbox: Outbox
    /// Where the outbox is read and outcomes are written: off the cooperative pool, so a pass
    /// waiting for the database's writer holds none of its threads.
    private let io = OffPool("klaxon.outbox.dispatcher")
    private let table: Mutex<Table>
    private let settings: DeliverySettings
    private let logger: Logger
    private let clock: DeliveryClock
    private let chain: any NotifyStage
    private let lanes = Mutex<[String: LaneControl]>([:])
    private let slots = Mutex(LaneSlots())
    private let pending = Mutex(Pending())
    private let lastGauge = Mutex(Date.distantPast)
    private let lastLaneScan = Mutex(Date.distantPast)
    private let wake: AsyncStream<Void>.Continuation
    private let wakes: AsyncStream<Void>
    private let stopped = Atomic<Bool>(false)

    /// - Parameters:
    ///   - sinks: keyed by `receiver/integration`, e.g. `default/webhook[0]`.
    ///   - fallbacks: keyed by the receiver whose notifications fall back.
    ///   - clock: the time of each pass of `run` and of the end of each send (production: the
    ///     wall clock; tests: virtual time, so real send durations never move retries).
    public init(
        outbox: Outbox, sinks: [String: any AlertSink], settings: DeliverySettings = DeliverySettings(),
        fallbacks: [String: Fallback] = [:], clock: @escaping DeliveryClock = { Date() }, logger: Logger
    ) {
        self.outbox = outbox
        self.table = Mutex(Table(sinks: sinks, fallbacks: fallbacks))
        self.settings = settings
        self.logger = logger
        self.clock = clock
        self.chain = SequenceStage([
            RateLimitStage(),
            BreakerStage(fallbackAfter: settings.fallbackAfter.timeInterval),
            SendStage(timeout: settings.timeout, clock: clock),
            ClassifyStage(policy: settings.retry),
            RecordStage(logger: logger),
        ])
        (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// The retry policy alone (other settings at their defaults).
    public convenience init(outbox: Outbox, sinks: [String: any AlertSink], policy: RetryPolicy, logger: Logger) {
        self.init(outbox: outbox, sinks: sinks, settings: DeliverySettings(retry: policy), logger: logger)
    }

    /// Replaces the sinks and fallbacks (after a config reload); sends in flight finish on the
    /// old sinks. Breakers and rate limits carry over by `receiver/integration`.
    /// The sinks and fallbacks in use (a reload that fails puts them back).
    public var currentSinks: (sinks: [String: any AlertSink], fallbacks: [String: Fallback]) {
        table.withLock { ($0.sinks, $0.fallbacks) }
    }

    public func setSinks(_ sinks: [String: any AlertSink], fallbacks: [String: Fallback]? = nil) {
        table.withLock {
            $0.sinks = sinks
            if let fallbacks { $0.fallbacks = fallbacks }
        }
    }

    /// The breaker of an integration (`receiver/integration`), once it has been used.
    public func lane(_ key: String) -> LaneControl? { lanes.withLock { $0[key] } }

    /// Asks the loop to look at the outbox now (after a batch queued notifications).
    public func nudge() { wake.yield() }

    /// Runs until `finish()` or cancellation: a pass on every nudge, every completed send and
    /// every `tick`. Sends in flight when it stops are awaited (each is bounded by the timeout).
    public func run(tick: Duration = .milliseconds(250)) async {
        await withDiscardingTaskGroup { group in
            group.addTask { [self] in
                while !Task.isCancelled && !stopped.load(ordering: .relaxed) {
                    try? await Task.sleep(for: tick)
                    wake.yield()
                }
            }
            for await _ in wakes {
                if Task.isCancelled { break }
                for job in await pass(now: clock(), skipping: [], draining: false, readyLimit: settings.concurrency) {
                    group.addTask {
                        // The slot goes on to the lane's next ready entry until none is left.
                        var next: DeliveryJob? = job
                        while let job = next {
                            await self.execute(job)
                            self.nudge()
                            next = self.nextJob(after: job)
                        }
                    }
                }
            }
            stopped.store(true, ordering: .relaxed)
            slots.withLock { $0.dropReady() }
        }
        await writeOutcomes()
    }

    /// Stops `run` after its current pass.
    public func finish() { wake.finish() }

    /// Delivers every entry due at `now` (on virtual time in tests): rounds of passes until
    /// nothing more is due, each entry tried at most once. Returns the entries dispatched.
    @discardableResult
    public func drainDue(now: Date) async -> Int {
        var attempted = Set<Int64>()
        while true {
            let jobs = await pass(now: now, skipping: attempted, draining: true)
            if jobs.isEmpty { break }
            attempted.formUnion(jobs.map(\.entry.id))
            await withTaskGroup(of: Void.self) { group in
                for job in jobs {
                    group.addTask {
                        // Nothing is read ahead here, so this frees the slot.
                        var next: DeliveryJob? = job
                        while let job = next {
                            await self.execute(job)
                            next = self.nextJob(after: job)
                        }
                    }
                }
            }
        }
        await writeOutcomes()
        return attempted.count
    }

    // MARK: Passes

    /// Writes the outcomes so far, then picks due group heads for every lane with free slots.
    /// - Parameter draining: `drainDue` (always looks for lanes that lost their sink).
    /// - Parameter readyLimit: due heads per lane to read ahead into its ready queue.
    private func pass(now: Date, skipping: Set<Int64>, draining: Bool, readyLimit: Int = 0) async -> [DeliveryJob] {
        await writeOutcomes()
        await publishPending(now: now)
        let current = table.withLock { $0 }
        var jobs: [DeliveryJob] = []
        var laneKeys = Set(current.sinks.keys)
        // Lanes with entries but no sink (an integration removed from the config) are
        // dead-lettered; looked for every few seconds, not on every pass.
        if lastLaneScan.withLock({ last in
            guard draining || abs(now.timeIntervalSince(last)) >= 5 else { return false }
            last = now
            return true
        }) {
            do {
                let outbox = self.outbox
                for lane in try await io.run({ try outbox.pendingLanes() }) where current.sinks["\(lane.receiver)/\(lane.integration)"] == nil {
                    laneKeys.insert("\(lane.receiver)/\(lane.integration)")
                }
            } catch {
                logger.error("cannot read outbox: \(error)")
                return []
            }
        }
        for key in laneKeys.sorted() {
            let (receiver, integration) = Self.split(key)
            let (room, busy) = slots.withLock { ($0.room(key, concurrency: settings.concurrency, readyLimit: readyLimit), $0.excluded(key)) }
            guard room > 0 else { continue }
            let heads: [OutboxEntry]
            do {
                let (outbox, excluding) = (self.outbox, busy.union(skipping))
                heads = try await io.run {
                    try outbox.dueHeads(receiver: receiver, integration: integration, now: now, limit: room, excluding: excluding)
                }
            } catch {
                logger.error("cannot read outbox: \(error)")
                continue
            }
            guard !heads.isEmpty else { continue }
            guard let sink = current.sinks[key] else {
                for e in heads {
                    add(DeliveryRecord(id: e.id, at: now, result: .dead, error: "integration \(key) is no longer configured"), lane: key, entry: e)
                    Counter(label: "klaxon_notifications_total", dimensions: [("receiver", receiver), ("integration", integration), ("outcome", "dead")]).increment()
                    Counter(label: "klaxon_notifications_failed_total", dimensions: [("receiver", receiver), ("integration", integration), ("reason", "unconfigured")]).increment()
                }
                continue
            }
            let control = laneControl(key)
            let start = slots.withLock { $0.pick(heads, lane: key, concurrency: settings.concurrency) }
            jobs += start.map { DeliveryJob(entry: $0, sink: sink, lane: control, now: now) }
        }
        return jobs
    }

    /// The job for the lane's next ready entry once `job`'s send ended (nil frees the slot). An
    /// entry whose sink is gone (a reload) or that the stopping loop will not send stays pending.
    private func nextJob(after job: DeliveryJob) -> DeliveryJob? {
        let lane = job.entry.lane
        var ended = job.entry
        while let entry = slots.withLock({ $0.next(after: ended) }) {
            guard !stopped.load(ordering: .relaxed), let sink = table.withLock({ $0.sinks[lane] }) else {
                slots.withLock { $0.unpick(entry.id, lane: lane) }
                ended = entry
                continue
            }
            return DeliveryJob(entry: entry, sink: sink, lane: job.lane, now: clock())
        }
        return nil
    }

    private func execute(_ job: DeliveryJob) async {
        var job = job
        await chain.exec(&job)
        let record = job.record ?? DeliveryRecord(id: job.entry.id, at: job.endedAt, result: .retry(at: job.endedAt.addingTimeInterval(1)))
        add(record, lane: job.entry.lane, entry: job.entry, fallback: job.needsFallback, flushes: job.sink is any FlushingSink, now: job.now)
    }

    private func add(
        _ record: DeliveryRecord, lane: String, entry: OutboxEntry, fallback: Bool = false, flushes: Bool = false, now: Date? = nil
    ) {
        let copies = fallback ? fallbackCopies(of: entry) : []
        pending.withLock {
            $0.records.append(record)
            $0.ids.append((lane, record.id))
            $0.fallbacks += copies
            if !copies.isEmpty, let now { $0.fallbackAt = min($0.fallbackAt ?? now, now) }
            if flushes, record.result == .delivered { $0.flushLanes.insert(lane) }
        }
    }

    /// The copies a dead or long-blocked entry sends to its receiver's fallback receiver.
    private func fallbackCopies(of entry: OutboxEntry) -> [QueuedNotification] {
        guard entry.notification.fallbackFor == nil,  // a fallback's own failure does not cascade
            let fallback = table.withLock({ $0.fallbacks[entry.receiver] })
        else { return [] }
        let copy = entry.notification.fallback(to: fallback.receiver)
        return fallback.integrations.compactMap { integration in
            var n = copy
            if !integration.sendResolved { n.alerts = n.alerts.filter { $0.status == .firing } }
            guard !n.alerts.isEmpty else { return nil }
            return QueuedNotification(notification: n, integration: integration.name, key: "\(entry.idempotencyKey)/fallback/\(integration.name)")
        }
    }

    /// Flushes buffering sinks, then writes the buffered outcomes in one transaction and frees
    /// their lane slots. A failed flush turns that lane's deliveries into retries.
    private func writeOutcomes() async {
        let batch = pending.withLock { p -> Pending in
            let b = p
            p = Pending()
            return b
        }
        guard !batch.records.isEmpty || !batch.fallbacks.isEmpty else { return }
        var records = batch.records
        let sinks = table.withLock { $0.sinks }
        for lane in batch.flushLanes {
            guard let sink = sinks[lane] as? any FlushingSink else { continue }
            do { try await sink.flush() } catch {
                logger.error("flush failed; the batch's deliveries will be retried", metadata: ["integration": "\(lane)", "error": "\(error)"])
                let ids = Set(batch.ids.filter { $0.lane == lane }.map(\.id))
                for i in records.indices where ids.contains(records[i].id) && records[i].result == .delivered {
                    records[i].result = .retry(at: records[i].at.addingTimeInterval(1))
                    records[i].error = "flush: \(error)"
                }
            }
        }
        do {
            let (outbox, fallbacks, at) = (self.outbox, batch.fallbacks, batch.fallbackAt ?? clock())
            try await io.run { [records] in try outbox.record(records, fallbacks: fallbacks, at: at) }
        } catch {
            // Not written: the entries stay pending and are sent again (same idempotency key).
            logger.error("cannot record delivery outcomes: \(error)")
        }
        slots.withLock { $0.written(batch.ids) }
    }

    private func laneControl(_ key: String) -> LaneControl {
        lanes.withLock { lanes in
            if let c = lanes[key] { return c }
            let (receiver, integration) = Self.split(key)
            let c = LaneControl(
                receiver: receiver, integration: integration,
                breaker: CircuitBreaker(failureThreshold: settings.breakerFailures, coolDown: settings.breakerCoolDown.timeInterval),
                rateLimit: settings.rateLimit(receiver: receiver, integration: integration))
            lanes[key] = c
            return c
        }
    }

    /// `klaxon_outbox_pending{receiver,integration}`, at most once a second.
    private func publishPending(now: Date) async {
        let due = lastGauge.withLock { last -> Bool in
            guard abs(now.timeIntervalSince(last)) >= 1 else { return false }
            last = now
            return true
        }
        let outbox = self.outbox
        guard due, let counts = try? await io.run({ try outbox.pendingCounts() }) else { return }
        let keys = Set(counts.keys).union(table.withLock { Set($0.sinks.keys) })
        for key in keys {
            let (receiver, integration) = Self.split(key)
            Gauge(label: "klaxon_outbox_pending", dimensions: [("receiver", receiver), ("integration", integration)])
                .record(counts[key] ?? 0)
        }
    }

    /// `receiver/integration` → its parts (the integration name has no `/`).
    static func split(_ key: String) -> (String, String) {
        guard let slash = key.lastIndex(of: "/") else { return (key, "") }
        return (String(key[..<slash]), String(key[key.index(after: slash)...]))
    }
}

extension Duration {
    /// The duration in (fractional) seconds.
    var timeInterval: TimeInterval { TimeInterval(components.seconds) + TimeInterval(components.attoseconds) / 1e18 }
}
