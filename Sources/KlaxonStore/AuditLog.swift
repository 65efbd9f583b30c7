import Foundation
import GRDB

/// Who changed what and when: config reloads, silences, acknowledgements, resolutions.
public final class AuditLog: Sendable {
    public struct Entry: Sendable, Hashable {
        public var at: Date
        public var actor: String
        /// `silence.create`, `silence.expire`, `config.reload`, …
        public var action: String
        public var subject: String
        public var detail: String
    }

    private let database: StateDatabase

    public init(database: StateDatabase) { self.database = database }

    public func record(actor: String, action: String, subject: String, detail: String = "", at now: Date) throws {
        try database.pool.write { db in
            try db.execute(
                sql: "INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
                arguments: [now.timeIntervalSince1970, actor, action, subject, detail])
        }
    }

    /// Newest first.
    public func entries(limit: Int = 1000) throws -> [Entry] {
        try database.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", arguments: [limit]).map {
                Entry(at: Date(timeIntervalSince1970: $0["at"]), actor: $0["actor"], action: $0["action"], subject: $0["subject"], detail: $0["detail"])
            }
        }
    }
}
