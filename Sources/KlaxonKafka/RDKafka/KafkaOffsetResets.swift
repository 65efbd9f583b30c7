import Synchronization

/// Partitions whose consumer position was deleted before it was read — by retention on Kafka,
/// by the embedded broker's ~5 MB cap per partition — counted per partition for this process.
/// librdkafka then resumes at `auto.offset.reset` and only logs a warning; Klaxon logs it as an
/// error (what was between is lost) and exports the count (`klaxon_consumer_offset_resets_total`).
/// A partition with no committed offset starting at the policy's offset is not counted:
/// librdkafka logs that at debug level only.
public enum KafkaOffsetResets {
    private static let counts = Mutex<[TopicPartition: Int]>([:])

    /// Resets seen so far, per partition.
    public static func snapshot() -> [TopicPartition: Int] { counts.withLock { $0 } }

    /// Counts the reset a librdkafka `OFFSET` log line reports (`<topic> [<partition>]: offset
    /// reset (at offset …`); returns its partition, or nil when the line is not one.
    static func record(_ line: String) -> TopicPartition? {
        guard let m = line.firstMatch(of: /([^\s\[\]]+) \[(\d+)\]: offset reset \(at offset/), let p = Int32(m.2) else { return nil }
        let tp = TopicPartition(topic: String(m.1), partition: p)
        counts.withLock { $0[tp, default: 0] += 1 }
        return tp
    }
}
