import Foundation
import GRDB
import KlaxonCore

/// The SQLite file that holds Klaxon's durable state (WAL mode, versioned migrations).
public final class StateDatabase: Sendable {
    let pool: DatabasePool
    public let path: String

    /// Opens (creating if needed) the database at `path` and migrates it to the current schema.
    /// - Parameter synchronous: `.full` syncs the WAL at each commit (see `StateSynchronous`).
    public init(path: String, synchronous: StateSynchronous = .normal) throws {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        var config = Configuration()
        config.busyMode = .timeout(5)
        config.prepareDatabase { db in
            // In WAL mode a commit survives a crash of the process (kill -9) at once; with
            // NORMAL a power loss can take the last commits since the WAL's last sync, FULL
            // syncs at each commit (docs/state.md).
            try db.execute(sql: synchronous == .full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")
            // Readers (up to 5) keep 8 MiB each; the writer 64 MiB (set below): the hot B-tree
            // pages the ingest path updates stay in memory without 6 × 64 MiB of page caches.
            try db.execute(sql: "PRAGMA cache_size = -8192")
        }
        // Opened and migrated under the open lock (`underOpenLock`).
        pool = try Self.underOpenLock(path) {
            let pool = try DatabasePool(path: path, configuration: config)
            // The writer's own settings: its larger cache, and FULL again (the pool sets its
            // writer to NORMAL after `prepareDatabase` when it turns WAL on; its commits are the
            // ones to sync).
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA cache_size = -65536")
                if synchronous == .full { try db.execute(sql: "PRAGMA synchronous = FULL") }
            }
            // Whoever held the lock before may have migrated already: the migrator skips what is done.
            let migrator = Self.migrator
            if try !pool.read({ try migrator.hasCompletedMigrations($0) }) { try migrator.migrate(pool) }
            return pool
        }
        self.path = path
    }

    /// Runs `body` (open and migrate) holding an exclusive `flock` on `<path>.migrate-lock`, so
    /// openers of one file — the service starting beside a CLI or a test that reads it — take
    /// turns. Without it, two saw a migration pending and the second failed with "table already
    /// exists" (SQLite runs each migration in its own transaction but not the check before
    /// it); and on a loaded machine the others' `PRAGMA journal_mode = WAL` on a new file waited
    /// out the 5 s busy timeout behind the first one's migrations ("database is locked"). The
    /// lock is a file of its own: an `flock` on a descriptor of the database would, once
    /// closed, drop SQLite's own POSIX locks in this process. Where the lock file cannot be
    /// made (a read-only directory), an existing database is opened without it.
    private static func underOpenLock<T>(_ path: String, _ body: () throws -> T) throws -> T {
        let fd = open(path + ".migrate-lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            if FileManager.default.fileExists(atPath: path) { return try body() }
            throw StateDatabaseError("cannot open \(path).migrate-lock to create \(path): \(reason)")
        }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw StateDatabaseError("cannot lock \(path).migrate-lock: \(String(cString: strerror(errno)))") }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1: alerts, outbox, ingest ledger") { db in
            try db.execute(sql: """
                CREATE TABLE alert (
                    fingerprint TEXT PRIMARY KEY,
                    owner TEXT NOT NULL,
                    status TEXT NOT NULL,
                    alertname TEXT NOT NULL,
                    source TEXT NOT NULL,
                    severity_id INTEGER NOT NULL,
                    alert_json BLOB NOT NULL,
                    first_seen_at DOUBLE NOT NULL,
                    last_seen_at DOUBLE NOT NULL,
                    occurrences INTEGER NOT NULL,
                    regressions INTEGER NOT NULL DEFAULT 0,
                    resolved_at DOUBLE
                );
                CREATE INDEX alert_status ON alert(status);
                CREATE TABLE outbox (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    idempotency_key TEXT NOT NULL UNIQUE,
                    receiver TEXT NOT NULL,
                    integration TEXT NOT NULL,
                    fingerprint TEXT NOT NULL,
                    payload BLOB NOT NULL,
                    status TEXT NOT NULL DEFAULT 'pending',
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at DOUBLE NOT NULL,
                    last_error TEXT,
                    created_at DOUBLE NOT NULL,
                    delivered_at DOUBLE
                );
                CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
                CREATE TABLE ingest_ledger (
                    topic TEXT NOT NULL,
                    partition INTEGER NOT NULL,
                    "offset" INTEGER NOT NULL,
                    times_seen INTEGER NOT NULL,
                    outcome TEXT NOT NULL,
                    last_seen_at DOUBLE NOT NULL,
                    PRIMARY KEY (topic, partition, "offset")
                );
                """)
        }
        m.registerMigration("v2: scan scopes, notification log") { db in
            try db.execute(sql: """
                ALTER TABLE alert ADD COLUMN scope TEXT;
                CREATE INDEX alert_scope ON alert(scope) WHERE scope IS NOT NULL;
                CREATE TABLE nflog (
                    log_key TEXT PRIMARY KEY,
                    entry BLOB NOT NULL,
                    at DOUBLE NOT NULL
                );
                """)
        }
        m.registerMigration("v3: silences, audit log") { db in
            try db.execute(sql: """
                CREATE TABLE silence (
                    id TEXT PRIMARY KEY,
                    json BLOB NOT NULL,
                    created_at DOUBLE NOT NULL,
                    updated_at DOUBLE NOT NULL
                );
                CREATE TABLE audit_log (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    at DOUBLE NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    detail TEXT NOT NULL
                );
                """)
        }
        m.registerMigration("v4: sources per alert") { db in
            try db.execute(sql: "ALTER TABLE alert ADD COLUMN sources TEXT NOT NULL DEFAULT ''")
        }
        m.registerMigration("v5: noise decisions, false positives") { db in
            try db.execute(sql: """
                ALTER TABLE alert ADD COLUMN admitted INTEGER NOT NULL DEFAULT 1;
                ALTER TABLE alert ADD COLUMN last_decision TEXT NOT NULL DEFAULT '';
                CREATE TABLE false_positive (
                    fingerprint TEXT PRIMARY KEY,
                    reason TEXT NOT NULL,
                    marked_by TEXT NOT NULL,
                    marked_at DOUBLE NOT NULL
                );
                """)
        }
        m.registerMigration("v6: append-only counters for duplicates") { db in
            // A duplicate report appends one small row to alert_touch (sequential pages) instead
            // of rewriting a random page of alert; compaction folds the latest touch per
            // fingerprint into the narrow, fingerprint-ordered alert_counter.
            try db.execute(sql: """
                CREATE TABLE alert_counter (
                    fp TEXT PRIMARY KEY,
                    last_seen_at DOUBLE NOT NULL,
                    occurrences INTEGER NOT NULL,
                    sources TEXT NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE alert_touch (
                    fp TEXT NOT NULL,
                    last_seen_at DOUBLE NOT NULL,
                    occurrences INTEGER NOT NULL,
                    sources TEXT NOT NULL
                );
                CREATE VIEW alert_now AS
                SELECT a.*,
                    COALESCE(t.last_seen_at, c.last_seen_at, a.last_seen_at) AS cur_last_seen_at,
                    COALESCE(t.occurrences, c.occurrences, a.occurrences) AS cur_occurrences,
                    COALESCE(t.sources, c.sources, a.sources) AS cur_sources
                FROM alert a
                LEFT JOIN alert_counter c ON c.fp = a.fingerprint
                LEFT JOIN (SELECT fp, last_seen_at, occurrences, sources FROM alert_touch
                           WHERE rowid IN (SELECT MAX(rowid) FROM alert_touch GROUP BY fp)) t ON t.fp = a.fingerprint;
                """)
        }
        m.registerMigration("v7: acknowledgements") { db in
            try db.execute(sql: "ALTER TABLE alert ADD COLUMN acknowledged_at DOUBLE")
        }
        m.registerMigration("v8: slack messages") { db in
            // The Slack message each group's notification was posted as, so a resolve edits it.
            try db.execute(sql: """
                CREATE TABLE slack_message (
                    receiver TEXT NOT NULL,
                    group_key TEXT NOT NULL,
                    channel TEXT NOT NULL,
                    channel_id TEXT NOT NULL,
                    ts TEXT NOT NULL,
                    updated_at DOUBLE NOT NULL,
                    PRIMARY KEY (receiver, group_key, channel)
                ) WITHOUT ROWID;
                """)
        }
        m.registerMigration("v9: delivery lanes, attempts") { db in
            // Entries leave an integration in order per group key (not per integration), so the
            // group key is a column; rows queued by earlier versions get theirs from the payload.
            try db.execute(sql: """
                ALTER TABLE outbox ADD COLUMN group_key TEXT NOT NULL DEFAULT '';
                ALTER TABLE outbox ADD COLUMN fallback_for TEXT;
                UPDATE outbox SET group_key = COALESCE(json_extract(CAST(payload AS TEXT), '$.groupKey'), '')
                    WHERE json_valid(CAST(payload AS TEXT));
                CREATE INDEX outbox_lane ON outbox(receiver, integration, status, id);
                CREATE INDEX outbox_group ON outbox(receiver, integration, group_key, status, id);
                CREATE TABLE delivery_attempt (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    outbox_id INTEGER NOT NULL,
                    at DOUBLE NOT NULL,
                    outcome TEXT NOT NULL,
                    error TEXT,
                    latency_seconds DOUBLE
                );
                CREATE INDEX delivery_attempt_outbox ON delivery_attempt(outbox_id);
                """)
        }
        m.registerMigration("v12: alert events") { db in
            try AlertHistory.createTable(db)
            try EscalationStore.createTable(db)
        }
        m.registerMigration("v13: vulnerability coverage") { db in
            try CoverageStore.createTables(db)
        }
        m.registerMigration("v14: first notification and SLA breaches on the alert row, census index") { db in
            // What the SLA pass needs per open alert, kept on its row so the pass reads one
            // table instead of two correlated subqueries over the history per alert.
            try db.execute(sql: """
                ALTER TABLE alert ADD COLUMN notified_at DOUBLE;
                ALTER TABLE alert ADD COLUMN sla_breached TEXT NOT NULL DEFAULT '';
                UPDATE alert SET
                    notified_at = (SELECT MIN(e.at) FROM alert_event e WHERE e.fingerprint = alert.fingerprint
                        AND e.kind = 'notified' AND e.at >= alert.first_seen_at AND e.reason LIKE 'firing%'),
                    sla_breached = COALESCE((SELECT group_concat(substr(e.reason, 1, instr(e.reason, ':') - 1)) FROM alert_event e
                        WHERE e.fingerprint = alert.fingerprint AND e.kind = 'sla_breached' AND e.at >= alert.first_seen_at), '')
                WHERE status != 'resolved';
                """)
            // The `klaxon_alerts` census counts from this index alone instead of reading every
            // alert row (each carries its record) at each scrape; it also serves `status` lookups.
            try db.execute(sql: """
                DROP INDEX alert_status;
                CREATE INDEX alert_census ON alert(status, severity_id, source);
                """)
        }
        m.registerMigration("v15: outbox rows refer to alerts") { db in
            // Outbox rows refer to their alerts' content in `alert` (`OutboxPayload`), so an
            // alert row a pending row refers to is kept: a DELETE (any future retention or
            // cleanup) skips it (the statement goes on with the other rows) until the entry is
            // delivered or dead. The record holds each fingerprint big endian, so the payload's
            // hex contains the fingerprint's; a chance match elsewhere only keeps a row longer.
            try db.execute(sql: """
                CREATE TRIGGER alert_keep_referenced BEFORE DELETE ON alert
                WHEN EXISTS (SELECT 1 FROM outbox WHERE status = 'pending' AND instr(hex(payload), upper(OLD.fingerprint)) > 0)
                BEGIN SELECT RAISE(IGNORE); END;
                """)
        }
        m.registerMigration("v16: alert expiry") { db in
            // Alertmanager's `endsAt`, relative to its report: read at start with the rest of
            // the index, so a restart keeps expiring what Prometheus stopped sending.
            try db.execute(sql: "ALTER TABLE alert ADD COLUMN expires_after DOUBLE")
        }
        m.registerMigration("v17: fewer rows per new alert and per record") { db in
            // The ingest write was 40 % of the CPU (issue #8), mostly B-tree inserts per alert
            // and per record. The `opened` event lives on the alert row (`AlertHistory` reads
            // it back as an event; rows of earlier versions keep theirs in `alert_event`), and
            // the ledger keeps runs of consecutive offsets with one outcome (`IngestLedger`).
            // `alert_scope` served no query (scans resolve from the in-memory index).
            try db.execute(sql: """
                ALTER TABLE alert ADD COLUMN opened_at DOUBLE;
                ALTER TABLE alert ADD COLUMN opened_by TEXT;
                ALTER TABLE alert ADD COLUMN opened_reason TEXT;
                CREATE INDEX alert_opened ON alert(opened_at) WHERE opened_at IS NOT NULL;
                DROP INDEX alert_scope;
                """)
            try IngestLedger.createTable(db)
            try db.execute(sql: """
                INSERT INTO ingest_run (topic, partition, first_offset, last_offset, times_seen, outcome, at)
                SELECT topic, partition, "offset", "offset", times_seen, outcome, last_seen_at FROM ingest_ledger
                ORDER BY topic, partition, "offset";
                DROP TABLE ingest_ledger;
                """)
        }
        m.registerMigration("v18: the alert state's changelog") { db in
            // Changes no input message carries (acknowledgements, timeouts) until they reach the
            // changelog topic, and how far this store has read that topic (issue #14).
            try db.execute(sql: """
                CREATE TABLE changelog_pending (fp TEXT PRIMARY KEY) WITHOUT ROWID;
                CREATE TABLE changelog_position (
                    topic TEXT NOT NULL, partition INTEGER NOT NULL, next_offset INTEGER NOT NULL,
                    PRIMARY KEY (topic, partition)) WITHOUT ROWID;
                """)
        }
        m.registerMigration("v19: the lifecycle fields' changelog") { db in
            // Alerts whose first notification, SLA breaches or escalations changed since the
            // changelog last carried them (issue #14).
            try LifecycleChangelog.createTable(db)
        }
        m.registerMigration("v20: threshold counts") { db in
            // Each threshold key's counts, which lived in memory only and started over at
            // every restart (issue #14).
            try ThresholdStore.createTable(db)
        }
        m.registerMigration("v21: the outbox's changelog") { db in
            // Rows decided and not sent go to the state changelog, so they survive the file
            // (issue #14); rows pending now are carried at the first hand-off.
            try Outbox.createChangelogTables(db)
        }
        m.registerMigration("v22: the notification log's changelog") { db in
            // What each group last notified goes to the state changelog, so a new owner of an
            // alert knows it was notified and sends its resolution (issue #14). Keys written as
            // text had lost their receiver at the NUL before it and matched no group: deleted.
            try NotificationLogChangelog.createTable(db)
        }
        m.registerMigration("v23: threshold shares") { db in
            // A key counted by `group_by` spans partitions, so instances count shares of it and
            // read each other's from the changelog (issue #14): one row per share.
            try ThresholdStore.addShares(db)
        }
        m.registerMigration("v24: notices owed to the owners of alerts") { db in
            // A flush's `notified` commands for other instances' alerts wait here for the next
            // hand-off, rather than being sent after the flush and lost in a crash (issue #14).
            try OwnerNotices.createTable(db)
        }
        return m
    }
}

struct StateDatabaseError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
