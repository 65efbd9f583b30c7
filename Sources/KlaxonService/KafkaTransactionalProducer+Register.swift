import KlaxonKafka
import Logging
import ServiceLifecycle

extension KafkaTransactionalProducer {
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
