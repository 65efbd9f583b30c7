import GRDB

/// The ingest ledger (`ingest_run`, migration v17): every consumed message, how often it was
/// processed and its outcome, kept as runs — consecutive offsets of one partition, handled in
/// one batch with one outcome, are one row. A row per message was two B-tree inserts per record
/// on the ingest path (issue #8). A message's count is the sum over the runs that cover it (a
/// re-read batch adds a run over the same offsets), its outcome the latest run's. Rows copied
/// from the per-message ledger of earlier versions are runs of one offset with their count.
/// Written by `AlertStore` inside the batch transaction.
enum IngestLedger {
    struct Run: Equatable {
        var topic: String
        var partition: Int32
        var first: Int64
        var last: Int64
        var outcome: String
    }

    static func createTable(_ db: Database) throws {
        // No index: nothing on the ingest path reads it; readers (tests, the demo) scan it.
        try db.execute(sql: """
            CREATE TABLE ingest_run (
                topic TEXT NOT NULL,
                partition INTEGER NOT NULL,
                first_offset INTEGER NOT NULL,
                last_offset INTEGER NOT NULL,
                times_seen INTEGER NOT NULL DEFAULT 1,
                outcome TEXT NOT NULL,
                at DOUBLE NOT NULL
            );
            """)
    }

    /// The runs of a batch: per partition, in offset order, a new run wherever the offset is not
    /// the previous one's successor (a gap is never claimed) or the outcome changes. Sorted
    /// first: the state stage receives one input partition's messages spread over the
    /// `klaxon.alerts` partitions of their alerts, so in a batch they arrive out of order.
    static func runs(_ consumed: [ConsumedRecord]) -> [Run] {
        struct Lane: Hashable { var topic: String; var partition: Int32 }
        var runs: [Run] = []
        var open: [Lane: Int] = [:]
        let ordered = consumed.enumerated().sorted { a, b in
            (a.element.topic, a.element.partition, a.element.offset, a.offset) < (b.element.topic, b.element.partition, b.element.offset, b.offset)
        }
        for c in ordered.lazy.map(\.element) {
            let lane = Lane(topic: c.topic, partition: c.partition)
            if let i = open[lane], runs[i].last == c.offset - 1, runs[i].outcome == c.outcome {
                runs[i].last = c.offset
            } else {
                open[lane] = runs.count
                runs.append(Run(topic: c.topic, partition: c.partition, first: c.offset, last: c.offset, outcome: c.outcome))
            }
        }
        return runs
    }

    /// Records a batch's messages inside the caller's transaction.
    static func record(_ consumed: [ConsumedRecord], at: Double, in db: Database) throws {
        let insert = try db.cachedStatement(sql: """
            INSERT INTO ingest_run (topic, partition, first_offset, last_offset, outcome, at) VALUES (?, ?, ?, ?, ?, ?)
            """)
        for r in runs(consumed) {
            try insert.execute(arguments: [r.topic, r.partition, r.first, r.last, r.outcome, at])
        }
    }

    /// How often each message of `topic` was processed, by offset (as before v17, an offset
    /// found in several partitions shows the highest partition's count).
    static func timesSeen(topic: String, in db: Database) throws -> [Int64: Int] {
        var byPartition: [Int32: [Int64: Int]] = [:]
        let rows = try Row.fetchCursor(
            db, sql: "SELECT partition, first_offset, last_offset, times_seen FROM ingest_run WHERE topic = ?", arguments: [topic])
        while let row = try rows.next() {
            let partition: Int32 = row[0], first: Int64 = row[1], last: Int64 = row[2], times: Int = row[3]
            for offset in first...last { byPartition[partition, default: [:]][offset, default: 0] += times }
        }
        var result: [Int64: Int] = [:]
        for (_, offsets) in byPartition.sorted(by: { $0.key < $1.key }) { result.merge(offsets) { _, later in later } }
        return result
    }

    /// Every message: its count and latest outcome, in topic, partition and offset order.
    static func entries(in db: Database) throws -> [LedgerEntry] {
        struct Key: Hashable, Comparable {
            var topic: String; var partition: Int32; var offset: Int64
            static func < (a: Key, b: Key) -> Bool { (a.topic, a.partition, a.offset) < (b.topic, b.partition, b.offset) }
        }
        var seen: [Key: LedgerEntry] = [:]
        let rows = try Row.fetchCursor(
            db, sql: "SELECT topic, partition, first_offset, last_offset, times_seen, outcome FROM ingest_run ORDER BY rowid")
        while let row = try rows.next() {
            let topic: String = row[0], partition: Int32 = row[1], first: Int64 = row[2], last: Int64 = row[3]
            let times: Int = row[4], outcome: String = row[5]
            for offset in first...last {
                let key = Key(topic: topic, partition: partition, offset: offset)
                let before = seen[key]?.timesSeen ?? 0
                seen[key] = LedgerEntry(topic: topic, partition: partition, offset: offset, timesSeen: before + times, outcome: outcome)
            }
        }
        return seen.sorted { $0.key < $1.key }.map(\.value)
    }
}
