import DequeModule
import HeapModule

/// The outbox's pending entries in memory: per integration (lane), each group key's pending ids
/// in order, and the group heads (the only entries that may be sent) split into those due and
/// those waiting for their time. The dispatcher asks it for due heads instead of running a
/// head-of-group query over the table on every pass.
///
/// It is a hint checked against the table: `Outbox` reads the rows it names by id and
/// corrects it (`forget`, `reschedule`) when a row says otherwise. Heap entries carry a
/// generation and are dropped lazily when it no longer matches; generations never repeat, so
/// an entry forgotten and put back does not revive its old heap entries.
struct OutboxPendingIndex {
    struct Row: Sendable {
        var id: Int64
        var lane: OutboxLane
        var groupKey: String
        var nextAttemptAt: Double
    }

    private struct Item {
        var lane: OutboxLane
        var groupKey: String
        var next: Double
        var generation: UInt64
    }

    private struct Due: Comparable {
        var id: Int64
        var generation: UInt64
        static func < (a: Due, b: Due) -> Bool { a.id < b.id }
    }

    private struct Waiting: Comparable {
        var next: Double
        var id: Int64
        var generation: UInt64
        static func < (a: Waiting, b: Waiting) -> Bool { (a.next, a.id) < (b.next, b.id) }
    }

    /// Mutated in place only (taken out of `lanes`, changed, put back): a copy would copy
    /// every group of the lane.
    private struct Lane {
        var due = Heap<Due>()
        var waiting = Heap<Waiting>()
        /// Pending ids per group key, oldest first; the first is the group's head.
        var groups: [String: Deque<Int64>] = [:]

        /// Adds `id` to its group in order; returns its position (0: it is the head).
        mutating func add(_ id: Int64, group: String) -> Int {
            // Rows arrive in id order except when one is put back.
            if let last = groups[group]?.last, last > id {
                let position = groups[group]!.firstIndex { $0 > id }!
                groups[group]!.insert(id, at: position)
                return position
            }
            groups[group, default: []].append(id)
            return groups[group]!.count - 1
        }

        /// Removes `id` from its group; returns the group's new head if `id` was the head.
        mutating func remove(_ id: Int64, group: String) -> Int64? {
            guard let position = groups[group]?.firstIndex(of: id) else { return nil }
            groups[group]!.remove(at: position)
            let next = position == 0 ? groups[group]!.first : nil
            if groups[group]!.isEmpty { groups[group] = nil }
            return next
        }

        mutating func schedule(_ id: Int64, _ item: Item) {
            waiting.insert(Waiting(next: item.next, id: id, generation: item.generation))
        }
    }

    private var items: [Int64: Item] = [:]
    private var lanes: [OutboxLane: Lane] = [:]
    /// The highest outbox id read so far (pending or not): rows above it are new.
    private(set) var highestSeen: Int64 = 0
    private var generations: UInt64 = 0

    var count: Int { items.count }

    /// Adds a pending row (new, or put back in the queue); a row already known is rescheduled.
    mutating func insert(_ row: Row) {
        highestSeen = max(highestSeen, row.id)
        if items[row.id] != nil {
            reschedule(row.id, to: row.nextAttemptAt)
            return
        }
        let item = Item(lane: row.lane, groupKey: row.groupKey, next: row.nextAttemptAt, generation: freshGeneration())
        items[row.id] = item
        var lane = lanes.removeValue(forKey: row.lane) ?? Lane()
        if lane.add(row.id, group: row.groupKey) == 0 {
            // A new head; the one it displaced waits behind it (its heap entries go stale).
            if let displaced = lane.groups[row.groupKey]!.dropFirst().first {
                let generation = freshGeneration()
                items[displaced]?.generation = generation
            }
            lane.schedule(row.id, item)
        }
        lanes[row.lane] = lane
    }

    /// Notes that ids up to `id` were read (rows that were not pending).
    mutating func saw(upTo id: Int64) { highestSeen = max(highestSeen, id) }

    /// Removes an entry that was delivered, dead-lettered or is gone; the next of its group
    /// becomes the head.
    mutating func forget(_ id: Int64) {
        guard let item = items.removeValue(forKey: id), var lane = lanes.removeValue(forKey: item.lane) else { return }
        if let next = lane.remove(id, group: item.groupKey), let nextItem = items[next] { lane.schedule(next, nextItem) }
        if !lane.groups.isEmpty { lanes[item.lane] = lane }
    }

    /// Moves an entry's next attempt (a retry, a deferral, or what its row says).
    mutating func reschedule(_ id: Int64, to next: Double) {
        guard var item = items[id] else { return }
        item.next = next
        item.generation = freshGeneration()
        items[id] = item
        if lanes[item.lane]?.groups[item.groupKey]?.first == id { lanes[item.lane]!.schedule(id, item) }
    }

    /// The entry's next attempt time, if it is pending here.
    func nextAttempt(of id: Int64) -> Double? { items[id]?.next }

    /// Up to `limit` group heads of `lane` due at `now`, oldest first, leaving out `excluding`
    /// (in flight, or already tried in this round). They stay heads until forgotten.
    mutating func dueHeads(lane key: OutboxLane, now: Double, limit: Int, excluding: Set<Int64>) -> [Int64] {
        guard limit > 0, var lane = lanes.removeValue(forKey: key) else { return [] }
        while let w = lane.waiting.min, w.next <= now {
            lane.waiting.removeMin()
            if isCurrentHead(w.id, generation: w.generation, in: lane) { lane.due.insert(Due(id: w.id, generation: w.generation)) }
        }
        var picked: [Int64] = []
        var keep: [Due] = []
        while picked.count < limit, let d = lane.due.popMin() {
            guard isCurrentHead(d.id, generation: d.generation, in: lane) else { continue }
            keep.append(d)
            if !excluding.contains(d.id) { picked.append(d.id) }
        }
        for d in keep { lane.due.insert(d) }
        lanes[key] = lane
        return picked
    }

    private mutating func freshGeneration() -> UInt64 {
        generations += 1
        return generations
    }

    private func isCurrentHead(_ id: Int64, generation: UInt64, in lane: Lane) -> Bool {
        guard let item = items[id], item.generation == generation else { return false }
        return lane.groups[item.groupKey]?.first == id
    }
}

/// One integration of one receiver: the unit the outbox is drained by.
public struct OutboxLane: Hashable, Sendable, CustomStringConvertible {
    public var receiver: String
    public var integration: String

    public init(receiver: String, integration: String) {
        self.receiver = receiver
        self.integration = integration
    }

    /// `receiver/integration`, the key of the integration's sink.
    public var description: String { "\(receiver)/\(integration)" }
}
