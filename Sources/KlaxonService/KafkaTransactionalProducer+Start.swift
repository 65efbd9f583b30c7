import KlaxonKafka
import Logging
import ServiceLifecycle
import Synchronization

/// What a stage does before its first transaction: its internal topic exists with the count
/// state is keyed by, and its transactional id is registered — both retried while the cluster
/// cannot answer yet.
extension KafkaTransactionalProducer {
    /// The partition count of `topic`, creating it first when missing, retried with backoff
    /// while that fails (a topic auto-created by a first record would get the broker's default
    /// count). Each new failure is logged once and kept in `problem` (nil again once it
    /// exists). Nil when shut down while waiting.
    /// - Parameters:
    ///   - key: the config key that names the topic, for the message.
    ///   - hint: how to create it by hand.
    func ensureTopicRetrying(
        _ topic: String, partitions: Int32, config: [String: String], key: String, hint: String, logger: Logger,
        problem: borrowing Mutex<String?>
    ) async -> Int? {
        var delay = Duration.milliseconds(500)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let count = try await ensureTopic(topic, partitions: partitions, config: config)
                problem.withLock { $0 = nil }
                return count
            } catch {
                let said = "topic \(topic) (\(key)) is missing and cannot be created with \(partitions) partitions (\(error)); \(hint)"
                if problem.withLock({ $0 }) != said { logger.error("\(said)") }
                problem.withLock { $0 = said }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(10))
            }
        }
        return nil
    }

    /// Registers the transactional id, again while the coordinator cannot answer yet (a broker
    /// still starting); `stage` names whose id it is in the warning.
    func registerRetrying(stage: String, logger: Logger) async throws {
        var delay = Duration.milliseconds(200)
        while true {
            do {
                return try await initTransactions()
            } catch let error as KafkaError where error.transactionRecovery == .retry && !Task.isShuttingDownGracefully {
                logger.warning("cannot register the \(stage)'s transactional id yet, retrying in \(delay): \(error)")
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(10))
            }
        }
    }
}
