import Foundation
import Synchronization

/// How far this instance has applied the control topic, per partition, and the writers waiting
/// for their record to be applied (read-your-writes).
final class ControlProgress: Sendable {
    private struct Waiter {
        let partition: Int32
        let offset: Int64
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        /// Per partition, the offset after the last record applied.
        var next: [Int32: Int64] = [:]
        var waiters: [UUID: Waiter] = [:]
        /// Waits cancelled before they registered.
        var cancelled: Set<UUID> = []
        var closed = false
    }

    private let state = Mutex(State())

    /// Records that every record of `partition` before `next` is applied, and wakes the writers
    /// waiting for one of them.
    func applied(partition: Int32, next: Int64) {
        let ready = state.withLock { s -> [CheckedContinuation<Bool, Never>] in
            s.next[partition] = max(s.next[partition] ?? 0, next)
            let done = s.waiters.filter { $0.value.partition == partition && $0.value.offset < next }
            for id in done.keys { s.waiters.removeValue(forKey: id) }
            return done.values.map(\.continuation)
        }
        for c in ready { c.resume(returning: true) }
    }

    /// Whether the record at `offset` of `partition` has been applied.
    func isApplied(partition: Int32, offset: Int64) -> Bool {
        state.withLock { ($0.next[partition] ?? 0) > offset }
    }

    /// Waits until the record at `offset` of `partition` is applied (true), or `timeout`
    /// passes or the reader stops (false).
    func wait(partition: Int32, offset: Int64, timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.appliedWait(partition: partition, offset: offset) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    /// Wakes every waiter with false: the reader stopped, nothing more will be applied.
    func close() {
        let all = state.withLock { s -> [CheckedContinuation<Bool, Never>] in
            s.closed = true
            defer { s.waiters.removeAll() }
            return s.waiters.values.map(\.continuation)
        }
        for c in all { c.resume(returning: false) }
    }

    private func appliedWait(partition: Int32, offset: Int64) async -> Bool {
        let id = UUID()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (cont: CheckedContinuation<Bool, Never>) in
                let answer = state.withLock { s -> Bool? in
                    if (s.next[partition] ?? 0) > offset { return true }
                    if s.closed || s.cancelled.remove(id) != nil { return false }
                    s.waiters[id] = Waiter(partition: partition, offset: offset, continuation: cont)
                    return nil
                }
                if let answer { cont.resume(returning: answer) }
            }
        } onCancel: {
            let waiter = state.withLock { s -> Waiter? in
                if let w = s.waiters.removeValue(forKey: id) { return w }
                s.cancelled.insert(id)
                return nil
            }
            waiter?.continuation.resume(returning: false)
        }
    }
}
