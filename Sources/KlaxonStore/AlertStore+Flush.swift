import Foundation
import GRDB
import KlaxonCore

/// Grouping's writes: a flush's outbox rows, the `notified` history they make, and the
/// notification log, in one transaction.
extension AlertStore {
    /// Queues a flush's notifications and records what was notified, in one transaction.
    /// - Parameter contents: the notified alerts' content where the caller read it (the first
    ///   notification's sample needs it; the rest are read here).
    /// - Returns: how many outbox rows were added (replayed keys add none).
    @discardableResult
    public func recordFlush(
        _ queued: [QueuedNotification], log: [String: GroupScheduler.LogEntry], contents: [Fingerprint: Alert] = [:],
        notices: [AlertCommand] = [], at now: Date
    ) throws -> Int {
        var samples: [LifecycleSample] = []
        let added = try database.pool.write { db in
            // Each notification queued (not a replayed key) is also a `notified` event of the
            // alerts it records.
            var firsts: [Fingerprint: Bool] = [:]
            let added = try Outbox.enqueue(queued, at: now, in: db) { q in
                try AlertHistory.notified(db, q, at: now, firsts: &firsts, contents: contents, samples: &samples)
            }
            let nflog = try db.cachedStatement(sql: "INSERT OR REPLACE INTO nflog (log_key, entry, at) VALUES (?, ?, ?)")
            for (key, entry) in log {
                try nflog.execute(arguments: [LogEntryCodec.storedKey(key), LogEntryCodec.encode(entry), entry.at.timeIntervalSince1970])
            }
            try OwnerNotices.queue(notices, in: db)
            return added
        }
        LifecycleMetrics.emit(samples)
        return added
    }

    /// The owner's side of a `notified` command (`AlertHistory.notifiedElsewhere`).
    /// - Returns: whether it was the alert instance's first notification.
    @discardableResult
    public func recordNotifiedElsewhere(
        _ fp: Fingerprint, instanceStart: Date, receiver: String, target: String, ref: String, at: Date
    ) throws -> Bool {
        var samples: [LifecycleSample] = []
        let first = try database.pool.write { db in
            try AlertHistory.notifiedElsewhere(
                db, fp, instanceStart: instanceStart, receiver: receiver, target: target, ref: ref, at: at, samples: &samples)
        }
        LifecycleMetrics.emit(samples)
        return first
    }
}
