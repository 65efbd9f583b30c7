import CRdKafka
import Logging
import Synchronization

/// State shared with librdkafka's rebalance callback, which runs on the thread that calls
/// `rd_kafka_consumer_poll` (our consumer queue). Entered through an `Unmanaged` opaque pointer;
/// the consumer keeps it alive for as long as the handle.
final class RebalanceContext: Sendable {
    let logger: Logger
    private let assigned = Mutex<Set<TopicPartition>>([])
    /// Per assigned partition, the number of the assignment that gave it (one counter for all):
    /// a partition whose number changed may have had another owner in between.
    private let epochs = Mutex<(next: UInt64, byPartition: [TopicPartition: UInt64])>((1, [:]))

    /// The last rebalance event assigned this consumer nothing at all (more members than
    /// partitions): not the gap between a revocation and the next assignment.
    private let givenNothing = Mutex(false)

    init(logger: Logger) { self.logger = logger }

    var assignedNothing: Bool { givenNothing.withLock { $0 } }

    var assignment: Set<TopicPartition> { assigned.withLock { $0 } }

    var assignmentEpochs: [TopicPartition: UInt64] { epochs.withLock { $0.byPartition } }

    func handle(rk: OpaquePointer, err: rd_kafka_resp_err_t, partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) {
        let cooperative = String(cString: rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE"
        let tps = topicPartitions(partitions)
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            logger.info("partitions assigned", metadata: ["partitions": "\(tps.map(\.description).joined(separator: ","))"])
            if cooperative {
                if let e = rd_kafka_incremental_assign(rk, partitions) { rd_kafka_error_destroy(e) }
            } else {
                rd_kafka_assign(rk, partitions)
            }
            assigned.withLock { set in
                if !cooperative { set.removeAll() }
                set.formUnion(tps)
            }
            let nothing = epochs.withLock { e in
                if !cooperative { e.byPartition.removeAll() }
                for tp in tps { e.byPartition[tp] = e.next }
                e.next += 1
                return e.byPartition.isEmpty
            }
            givenNothing.withLock { $0 = nothing }
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            // Commit what the caller already marked handled before giving the partitions away.
            let rc = rd_kafka_commit(rk, nil, 0)
            if rc != RD_KAFKA_RESP_ERR_NO_ERROR && rc != RD_KAFKA_RESP_ERR__NO_OFFSET {
                logger.warning("commit on revocation failed: \(String(cString: rd_kafka_err2str(rc)))")
            }
            logger.info("partitions revoked", metadata: ["partitions": "\(tps.map(\.description).joined(separator: ","))"])
            if cooperative {
                if let e = rd_kafka_incremental_unassign(rk, partitions) { rd_kafka_error_destroy(e) }
            } else {
                rd_kafka_assign(rk, nil)
            }
            assigned.withLock { set in
                if cooperative { set.subtract(tps) } else { set.removeAll() }
            }
            epochs.withLock { e in
                if cooperative { for tp in tps { e.byPartition[tp] = nil } } else { e.byPartition.removeAll() }
            }
            givenNothing.withLock { $0 = false }
        default:
            logger.error("rebalance error: \(String(cString: rd_kafka_err2str(err)))")
            rd_kafka_assign(rk, nil)
            assigned.withLock { $0.removeAll() }
            epochs.withLock { $0.byPartition.removeAll() }
            givenNothing.withLock { $0 = false }
        }
    }
}
