import Dispatch

/// A serial dispatch queue for blocking SQLite work: the calling task suspends instead of
/// holding one of the cooperative pool's threads (two on a 2-core host) while a statement runs
/// or waits for the database's one writer, so the HTTP API and `/metrics` keep answering while
/// the ingest write (`AlertStore.applyOffPool`), grouping, delivery and the timers read and write.
public struct OffPool: Sendable {
    private let queue: DispatchQueue

    public init(_ label: String) { queue = DispatchQueue(label: label, qos: .userInitiated) }

    /// Runs `work` on the queue and returns its result (or rethrows its error).
    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }
}
