import Foundation
import GRDB
import KlaxonCore

/// The alert state's changelog (docs/scaling.md, *Local stores and restore*): every change the
/// store makes is queued here whole, the state stage produces the queue to the changelog topic
/// with its input offsets, and a new owner of a partition restores the topic into its store.
extension AlertStore {
    /// The changed alerts' states not yet produced, oldest change first (an alert that changed
    /// again counts from its last change, so the changelog's order per alert is the store's).
    /// `durable` says which of them a pending row marks (changes no input message carries: an
    /// acknowledgement, a resolve timeout), to be cleared by `changelogWritten`.
    public func takeChangelog() -> (records: [AlertChangelogRecord], durable: Set<Fingerprint>) {
        changelog.withLock { $0.take() }
    }

    /// Whether changes wait for the changelog.
    public var changelogWaiting: Bool { changelog.withLock { !$0.isEmpty } }

    /// The durable changes of `takeChangelog` reached the changelog: their pending rows go,
    /// except for alerts that changed again meanwhile (their newer change keeps the row).
    public func changelogWritten(_ durable: Set<Fingerprint>) throws {
        guard !durable.isEmpty else { return }
        // Under the write lock: `update` marks the row and queues the change as one step.
        try withWriteLock {
            let done = changelog.withLock { q in durable.filter { !q.holds($0) } }
            guard !done.isEmpty else { return }
            try database.pool.write { db in
                for fp in done {
                    try db.cachedStatement(sql: "DELETE FROM changelog_pending WHERE fp = ?").execute(arguments: [fp.description])
                }
            }
        }
    }

    /// Takes the changelog's states into the store, each alert's last record winning; alerts
    /// with a change of this store not yet produced keep theirs (it is newer). Alert rows and
    /// the index are replaced whole; history and the ledger stay this instance's.
    /// - Returns: how many alerts were written.
    @discardableResult
    public func restore(_ records: [AlertChangelogRecord]) throws -> Int {
        var last: [Fingerprint: AlertChangelogRecord] = [:]
        for r in records { last[r.fingerprint] = r }
        return try withWriteLock {
            let kept = changelog.withLock { q in last.keys.filter { q.holds($0) } }
            for fp in kept { last[fp] = nil }
            guard !last.isEmpty else { return 0 }
            let known = hot.withLock { index in Set(last.keys.filter { index[$0] != nil }) }
            try database.pool.write { db in
                for (fp, r) in last {
                    try Self.save(
                        db, r.state, owner: r.owner, sources: SourceSet(list: r.sources), admitted: r.admitted, decision: nil,
                        isNew: !known.contains(fp))
                }
            }
            hot.withLock { index in
                for (fp, r) in last {
                    let scope = index.scopeID(r.state.alert.scope)
                    index.set(fp, HotEntry(r.state, sources: SourceSet(list: r.sources), admitted: r.admitted, scope: scope))
                }
            }
            return last.count
        }
    }

    /// `restore` on the store's writer thread, off the cooperative pool.
    public func restoreOffPool(_ records: [AlertChangelogRecord]) async throws -> Int {
        try await writer.run { try self.restore(records) }
    }

    /// Per partition of `topic`, the changelog offset this store has read up to (restores
    /// start there).
    public func changelogPositions(topic: String) throws -> [Int32: Int64] {
        try database.pool.read { db in
            var out: [Int32: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT partition, next_offset FROM changelog_position WHERE topic = ?", arguments: [topic]) {
                out[row[0]] = row[1]
            }
            return out
        }
    }

    public func saveChangelogPositions(topic: String, _ positions: [Int32: Int64]) throws {
        guard !positions.isEmpty else { return }
        try database.pool.write { db in
            for (p, offset) in positions {
                try db.cachedStatement(
                    sql: """
                        INSERT INTO changelog_position (topic, partition, next_offset) VALUES (?, ?, ?)
                        ON CONFLICT(topic, partition) DO UPDATE SET next_offset = excluded.next_offset
                        """
                ).execute(arguments: [topic, p, offset])
            }
        }
    }

    /// Changes taken by `takeChangelog` that did not reach the changelog (an aborted
    /// transaction) wait again; an alert that changed since keeps its newer change.
    public func requeueChangelog(_ records: [AlertChangelogRecord], durable: Set<Fingerprint>) {
        changelog.withLock { q in q.requeue(records, durable: durable) }
    }

    static func markPending(_ fp: Fingerprint, in db: Database) throws {
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO changelog_pending (fp) VALUES (?)").execute(arguments: [fp.description])
    }

    /// At open: changes marked pending by a run that stopped before producing them are queued
    /// again, with their current state.
    func queuePendingChangelog() throws {
        let owners = try database.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT a.fingerprint, a.owner FROM alert a JOIN changelog_pending p ON p.fp = a.fingerprint")
                .reduce(into: [Fingerprint: String]()) { out, row in Fingerprint(hex: row[0]).map { out[$0] = row[1] } }
        }
        guard !owners.isEmpty else { return }
        let states = try contents(of: Array(owners.keys))
        let entries = hot.withLock { index in owners.keys.compactMap { fp in index[fp].map { (fp, $0) } } }
        changelog.withLock { q in
            for (fp, entry) in entries {
                guard let state = states[fp] else { continue }
                q.add(AlertChangelogRecord(state: state, owner: owners[fp] ?? "", sources: entry.sources.list, admitted: entry.admitted), durable: true)
            }
        }
    }
}

/// Changed alerts in the order of their last change.
struct ChangelogQueue: Sendable {
    private var next: UInt64 = 0
    private var byAlert: [Fingerprint: (seq: UInt64, record: AlertChangelogRecord)] = [:]
    private var durable: Set<Fingerprint> = []

    var isEmpty: Bool { byAlert.isEmpty }

    func holds(_ fp: Fingerprint) -> Bool { byAlert[fp] != nil }

    mutating func add(_ r: AlertChangelogRecord, durable isDurable: Bool = false) {
        byAlert[r.fingerprint] = (next, r)
        next += 1
        if isDurable { durable.insert(r.fingerprint) }
    }

    /// Puts taken changes back ahead of any added since (which are newer and win).
    mutating func requeue(_ records: [AlertChangelogRecord], durable: Set<Fingerprint>) {
        for (i, r) in records.enumerated() where byAlert[r.fingerprint] == nil {
            // Sequence numbers below every current one keep them ahead.
            byAlert[r.fingerprint] = (UInt64(i), r)
            if durable.contains(r.fingerprint) { self.durable.insert(r.fingerprint) }
        }
    }

    mutating func take() -> (records: [AlertChangelogRecord], durable: Set<Fingerprint>) {
        defer {
            byAlert.removeAll(keepingCapacity: true)
            durable.removeAll()
        }
        return (byAlert.values.sorted { $0.seq < $1.seq }.map(\.record), durable)
    }
}
