import KlaxonStore

/// The dispatcher's per-lane bookkeeping of picked entries (one value behind one lock):
/// - `sending`: sends that hold the lane's `concurrency` slots;
/// - `picked`: entries picked and not yet written (sending, waiting for a slot, or ended and
///   awaiting the next batch write); the outbox query leaves them out, so an entry is never
///   sent twice, and its group's next entry is not a head until its outcome is written;
/// - `ready`: picked entries waiting for a slot, oldest first. A send that ends takes the next
///   ready entry of its lane at once, so slots do not idle while the dispatcher's loop writes
///   outcomes and reads the outbox.
/// - `held`: alerts in the entries sending or ready, all lanes together and per lane. Past
///   `alertBudget` a lane takes one entry at a time while it holds less than its share (the
///   budget over the lanes holding any) and none beyond: memory stays bounded when many lanes
///   carry big groups (a re-flush of thousands of alerts per entry), a lane with nothing in
///   hand always gets one, and a lane stuck on a hanging receiver cannot take the others' share.
struct LaneSlots: Sendable {
    private var sending: [String: Int] = [:]
    private var picked: [String: Set<Int64>] = [:]
    private var ready: [String: ReadyQueue] = [:]
    private var heldByLane: [String: Int] = [:]
    let alertBudget: Int

    /// - Parameter alertBudget: alerts the dispatcher holds in picked entries before lanes go
    ///   one entry at a time up to their share (default 20,000).
    init(alertBudget: Int = 20_000) { self.alertBudget = alertBudget }

    /// Alerts in the entries sending or ready, all lanes together.
    var held: Int { heldByLane.values.reduce(0, +) }

    /// How many more entries the lane takes: free slots plus room in its ready queue; zero
    /// while every slot is busy and the queue is more than half full (the outbox is read in
    /// batches, not after every send). Past the budget: one while the lane holds less than its
    /// share (or nothing), else zero.
    func room(_ lane: String, concurrency: Int, readyLimit: Int) -> Int {
        let free = max(0, concurrency - sending[lane, default: 0])
        let queued = ready[lane]?.count ?? 0
        if held >= alertBudget {
            let mine = heldByLane[lane, default: 0]
            return mine == 0 || mine < alertBudget / max(1, heldByLane.count) ? min(1, free + readyLimit) : 0
        }
        if free == 0 && queued * 2 > readyLimit { return 0 }
        return free + max(0, readyLimit - queued)
    }

    /// Entries of the lane the outbox query must leave out.
    func excluded(_ lane: String) -> Set<Int64> { picked[lane] ?? [] }

    /// Marks `entries` (due heads, oldest first) picked and queues them behind the lane's ready
    /// entries; returns the oldest ready entries that free slots start now.
    mutating func pick(_ entries: [OutboxEntry], lane: String, concurrency: Int) -> [OutboxEntry] {
        picked[lane, default: []].formUnion(entries.map(\.id))
        let weight = entries.reduce(0) { $0 + $1.alertCount }
        if weight > 0 { heldByLane[lane, default: 0] += weight }
        ready[lane, default: ReadyQueue()].append(entries)
        var start: [OutboxEntry] = []
        while sending[lane, default: 0] < concurrency, let e = ready[lane]?.popFirst() {
            start.append(e)
            sending[lane, default: 0] += 1
        }
        if ready[lane]?.count == 0 { ready[lane] = nil }
        return start
    }

    /// The send of `ended` is over: its slot goes to the lane's next ready entry (returned), or
    /// is freed.
    mutating func next(after ended: OutboxEntry) -> OutboxEntry? {
        release(ended.alertCount, lane: ended.lane)
        if let entry = ready[ended.lane]?.popFirst() { return entry }
        sending[ended.lane, default: 1] -= 1
        return nil
    }

    /// Forgets a picked entry that will not be sent now (it stays pending in the outbox). An
    /// entry `next` returned still holds its slot and weight until passed to `next` in turn.
    mutating func unpick(_ id: Int64, lane: String) {
        picked[lane]?.remove(id)
    }

    /// The outcomes of these entries are written: they may be picked again (a retry).
    mutating func written(_ ids: [(lane: String, id: Int64)]) {
        for (lane, id) in ids { picked[lane]?.remove(id) }
    }

    private mutating func release(_ weight: Int, lane: String) {
        let left = heldByLane[lane, default: 0] - weight
        heldByLane[lane] = left > 0 ? left : nil
    }

    /// Drops every ready entry (the loop stops): they stay pending in the outbox.
    mutating func dropReady() {
        for (lane, queue) in ready {
            for e in queue.entries {
                picked[lane]?.remove(e.id)
                release(e.alertCount, lane: lane)
            }
        }
        ready = [:]
    }
}

extension OutboxEntry {
    /// What the entry weighs in the dispatcher's budget (at least one: an empty notification
    /// is held too).
    var alertCount: Int { max(1, notification.alerts.count) }
}

/// A FIFO of picked entries: a head index instead of shifting the array on every pop.
struct ReadyQueue: Sendable {
    private var items: [OutboxEntry] = []
    private var head = 0

    var count: Int { items.count - head }
    /// The waiting entries, oldest first.
    var entries: ArraySlice<OutboxEntry> { items[head...] }

    mutating func append(_ entries: [OutboxEntry]) {
        if head > 0 && head * 2 >= items.count {
            items.removeFirst(head)
            head = 0
        }
        items += entries
    }

    mutating func popFirst() -> OutboxEntry? {
        guard head < items.count else { return nil }
        defer { head += 1 }
        return items[head]
    }
}
