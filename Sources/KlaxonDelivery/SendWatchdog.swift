import Synchronization

/// Cancels sends that outlive their timeout with one sleeping task for every send in flight,
/// instead of a timer task per send (which cost a task, a timer and a cancellation wake-up on
/// every notification). A stage's sends share one timeout, so deadlines arrive in order and a
/// FIFO is enough. The task ends when no send is waiting, and starts again with the next one.
final class SendWatchdog: Sendable {
    struct Ticket: Sendable {
        fileprivate let id: UInt64
    }

    private struct Watch {
        let deadline: ContinuousClock.Instant
        let cancel: @Sendable () -> Void
    }

    private struct State {
        var watches: [UInt64: Watch] = [:]
        /// Ids in deadline order; ids no longer in `watches` are skipped.
        var order: [(id: UInt64, deadline: ContinuousClock.Instant)] = []
        var head = 0
        var nextID: UInt64 = 0
        var expired: Set<UInt64> = []
        /// The running loop's generation (nil: none runs) and its task.
        var generation: UInt64?
        var loop: Task<Void, Never>?
    }

    private let state = Mutex(State())

    /// Watches a send that must end by `deadline`; `cancel` runs (once) if it has not.
    func watch(until deadline: ContinuousClock.Instant, cancel: @escaping @Sendable () -> Void) -> Ticket {
        let (ticket, start) = state.withLock { s -> (Ticket, UInt64?) in
            let id = s.nextID
            s.nextID += 1
            s.watches[id] = Watch(deadline: deadline, cancel: cancel)
            s.order.append((id, deadline))
            guard s.generation == nil else { return (Ticket(id: id), nil) }
            s.generation = id
            return (Ticket(id: id), id)
        }
        if let generation = start {
            let task = Task { await self.run(generation: generation) }
            state.withLock { s in if s.generation == generation { s.loop = task } else { task.cancel() } }
        }
        return ticket
    }

    /// The send ended; returns whether its deadline had passed and it was cancelled.
    func end(_ ticket: Ticket) -> Bool {
        let (expired, stop) = state.withLock { s -> (Bool, Task<Void, Never>?) in
            if s.expired.remove(ticket.id) != nil { return (true, nil) }
            s.watches.removeValue(forKey: ticket.id)
            guard s.watches.isEmpty else { return (false, nil) }
            // Nothing left to watch: stop the loop rather than let it sleep to a stale deadline.
            s.order.removeAll(keepingCapacity: true)
            s.head = 0
            s.generation = nil
            defer { s.loop = nil }
            return (false, s.loop)
        }
        stop?.cancel()
        return expired
    }

    private func run(generation: UInt64) async {
        while true {
            let next = state.withLock { s -> ContinuousClock.Instant? in
                guard s.generation == generation else { return nil }
                while s.head < s.order.count, s.watches[s.order[s.head].id] == nil { s.head += 1 }
                if s.head > 1024 && s.head * 2 > s.order.count {
                    s.order.removeFirst(s.head)
                    s.head = 0
                }
                guard s.head < s.order.count else {
                    s.generation = nil
                    s.loop = nil
                    return nil
                }
                return s.order[s.head].deadline
            }
            guard let next else { return }
            do { try await Task.sleep(until: next, clock: .continuous) } catch { return }
            let due = state.withLock { s -> [@Sendable () -> Void] in
                guard s.generation == generation else { return [] }
                var out: [@Sendable () -> Void] = []
                let now = ContinuousClock.now
                while s.head < s.order.count, s.order[s.head].deadline <= now {
                    let id = s.order[s.head].id
                    s.head += 1
                    if let w = s.watches.removeValue(forKey: id) {
                        s.expired.insert(id)
                        out.append(w.cancel)
                    }
                }
                return out
            }
            for cancel in due { cancel() }
        }
    }
}
