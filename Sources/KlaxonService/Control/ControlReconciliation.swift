import Foundation
import KlaxonCore
import KlaxonStore

/// What this instance holds that the control topic does not: the records that bring the topic
/// up to the local stores. Pure; run by `ControlTopic` once it has read the topic to its end.
///
/// - a silence the topic has never seen (made before the topic existed, or kept in the state
///   file while an embedded broker, whose topics end with the process, restarted);
/// - a silence the topic holds in an older state: an expiry made here and not yet written
///   (grouping ends an on-resolve silence in its own store when the alert resolves);
/// - a mark the topic has never seen. A mark taken back is a record of its own on the topic, so
///   it is known and never published again.
enum ControlReconciliation {
    static func records(
        silences: [Silence], marks: [FalsePositiveStore.Mark], topic: [String: ControlRecord]
    ) -> [ControlRecord] {
        var out: [ControlRecord] = []
        for s in silences {
            let record = ControlRecord.silence(s)
            guard case let .silence(known)? = topic[record.key], known.sameAtStorePrecision(s) else {
                out.append(record)
                continue
            }
        }
        for m in marks {
            let record = ControlRecord.falsePositive(m)
            if topic[record.key] == nil { out.append(record) }
        }
        return out
    }
}
