import Dispatch
import Foundation

/// Internal topics a stage needs before it starts, created with the partition count state is
/// keyed by (`klaxon.alerts`).
extension KafkaProducer {
    /// The partition count of `topic`, creating it with `partitions` first when the cluster has
    /// none. Creation that fails (no permission, a broker without CreateTopics such as the
    /// embedded one) is thrown: a topic auto-created later would get the broker's default count.
    /// Blocking requests run off the Swift pool.
    /// - Parameter timeout: for each broker request (default 10 s).
    public func ensureTopic(
        _ topic: String, partitions: Int32, config: [String: String] = [:], timeout: Duration = .seconds(10)
    ) async throws -> Int {
        let ms = Int32(clamping: timeout.milliseconds)
        return try await withCheckedThrowingContinuation { (cont: CheckedContinuation<Int, any Error>) in
            DispatchQueue.global().async {
                do throws(KafkaError) {
                    let existing = try self.handle.partitions(of: topic, timeoutMs: ms)
                    if !existing.isEmpty { return cont.resume(returning: existing.count) }
                    try self.handle.createTopic(topic, partitions: partitions, replicationFactor: -1, config: config, timeoutMs: ms)
                    // Brokers' metadata can lag the controller's answer by a moment.
                    let deadline = DispatchTime.now() + .milliseconds(Int(ms))
                    while true {
                        let created = try self.handle.partitions(of: topic, timeoutMs: ms)
                        if !created.isEmpty || DispatchTime.now() > deadline { return cont.resume(returning: created.count) }
                        Thread.sleep(forTimeInterval: 0.1)
                    }
                } catch {
                    cont.resume(throwing: error)
                }
            }
        }
    }
}

extension KafkaTransactionalProducer {
    /// `KafkaProducer.ensureTopic`, outside any transaction.
    public func ensureTopic(
        _ topic: String, partitions: Int32, config: [String: String] = [:], timeout: Duration = .seconds(10)
    ) async throws -> Int {
        try await producer.ensureTopic(topic, partitions: partitions, config: config, timeout: timeout)
    }
}
