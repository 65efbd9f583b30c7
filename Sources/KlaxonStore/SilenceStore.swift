import Foundation
import GRDB
import KlaxonCore
import Synchronization

/// Silences, kept as their JSON form (Alertmanager API v2 shape plus `endsOnResolve`), so they
/// survive restarts. Expiring one keeps it, with `expiredAt` set, for the audit trail.
///
/// The store is also the one in-memory holder of the silences: `snapshot()` gives every reader
/// (grouping at each flush, the API's views) the current list and a version that changes with
/// each write through this store, so nobody keeps a copy that must be pushed to.
public final class SilenceStore: Sendable {
    private let database: StateDatabase
    private var pool: DatabasePool { database.pool }
    /// The silences as last read (nil until first read and after each write) and how many
    /// writes went through this store. The read happens under the lock, so a write's
    /// invalidation always comes after any read that could have missed it.
    private let cache = Mutex<(version: Int, silences: [Silence]?)>((0, nil))

    public init(database: StateDatabase) { self.database = database }

    /// Every silence (expired ones too) and the version of that list.
    public func snapshot() throws -> SilenceSnapshot {
        try cache.withLock { c in
            let silences = try c.silences ?? all()
            c.silences = silences
            return SilenceSnapshot(version: c.version, silences: silences)
        }
    }

    private func changed() {
        cache.withLock { $0 = ($0.version + 1, nil) }
    }

    /// Inserts or replaces a silence by id.
    public func save(_ silence: Silence, at now: Date) throws {
        try pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO silence (id, json, created_at, updated_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at
                    """,
                arguments: [silence.id, try Self.encoder.encode(silence), now.timeIntervalSince1970, now.timeIntervalSince1970])
        }
        changed()
    }

    public func all() throws -> [Silence] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT json FROM silence ORDER BY created_at, id").map {
                try Self.decoder.decode(Silence.self, from: $0["json"] as Data)
            }
        }
    }

    public func get(_ id: String) throws -> Silence? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT json FROM silence WHERE id = ?", arguments: [id]).map {
                try Self.decoder.decode(Silence.self, from: $0["json"] as Data)
            }
        }
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .millisecondsSince1970
        return e
    }()
    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .millisecondsSince1970
        return d
    }()
}

/// The silences at one moment, with a version that changes with every write through the store.
public struct SilenceSnapshot: Sendable {
    public var version: Int
    public var silences: [Silence]
}
