import Foundation
import GRDB
import KlaxonCore
import Testing

@testable import KlaxonStore

/// The ingest ledger kept as runs of offsets (migration v17), over a real SQLite file: every
/// message still counted and its outcome kept, a re-read recognised, and the per-message rows
/// of earlier versions carried over.
@Suite struct IngestLedgerTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func path() -> String {
        URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("klaxon-ledger-\(UUID().uuidString.prefix(8))/s.db").path
    }

    func records(_ partition: Int32, _ offsets: ClosedRange<Int64>, _ outcome: String = "falco: 1 alerts", topic: String = "t") -> [ConsumedRecord] {
        offsets.map { ConsumedRecord(topic: topic, partition: partition, offset: $0, outcome: outcome) }
    }

    @Test func aBatchIsOneRunPerPartitionUnlessAnOffsetIsSkippedOrTheOutcomeChanges() {
        // Partitions interleaved as a consumer hands them over; offset 7 of partition 1 absent.
        let batch = records(0, 0...2) + records(1, 5...6) + records(0, 3...4) + records(1, 8...8)
            + records(0, 5...5, "deadletter: decode") + records(0, 6...6)
        let expected: [IngestLedger.Run] = [
            .init(topic: "t", partition: 0, first: 0, last: 4, outcome: "falco: 1 alerts"),
            .init(topic: "t", partition: 0, first: 5, last: 5, outcome: "deadletter: decode"),
            .init(topic: "t", partition: 0, first: 6, last: 6, outcome: "falco: 1 alerts"),
            .init(topic: "t", partition: 1, first: 5, last: 6, outcome: "falco: 1 alerts"),
            .init(topic: "t", partition: 1, first: 8, last: 8, outcome: "falco: 1 alerts"),
        ]
        #expect(IngestLedger.runs(batch) == expected)
        // The state stage reads one input partition's messages spread over the klaxon.alerts
        // partitions of their alerts, so they arrive out of order: the runs are the same.
        #expect(IngestLedger.runs(batch.reversed()) == expected)
        #expect(IngestLedger.runs([]) == [])
    }

    @Test func aReReadMessageIsCountedAgainAndKeepsItsLatestOutcome() throws {
        let store = try AlertStore(database: try StateDatabase(path: path()))
        try store.apply(BatchWrite(consumed: records(0, 0...3) + records(1, 0...1) + records(0, 4...4, "deadletter: decode")))
        // The commit was lost: the consumer reads partition 0 again from offset 2, with more.
        try store.apply(BatchWrite(consumed: records(0, 2...3) + records(0, 4...4, "trivy: 4 alerts") + records(0, 5...6)))

        #expect(try store.timesSeen(topic: "t") == [0: 1, 1: 1, 2: 2, 3: 2, 4: 2, 5: 1, 6: 1], "partition 1's offsets 0 and 1 are counted once")
        let ledger = try store.ledger()
        #expect(ledger.map { "\($0.partition)@\($0.offset)×\($0.timesSeen)" } == [
            "0@0×1", "0@1×1", "0@2×2", "0@3×2", "0@4×2", "0@5×1", "0@6×1", "1@0×1", "1@1×1",
        ])
        #expect(ledger.first { $0.partition == 0 && $0.offset == 4 }?.outcome == "trivy: 4 alerts", "the latest outcome")
        #expect(try store.timesSeen(topic: "other").isEmpty)
    }

    @Test func theLedgerOfAnEarlierVersionIsCarriedOver() throws {
        let path = path()
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        do {
            let pool = try DatabasePool(path: path)
            try StateDatabase.migrator.migrate(pool, upTo: "v16: alert expiry")
            try pool.write { db in
                for (offset, times, outcome) in [(0, 1, "trivy: 4 alerts"), (1, 3, "trivy: 2 alerts"), (2, 1, "deadletter: decode")] {
                    try db.execute(
                        sql: #"INSERT INTO ingest_ledger (topic, partition, "offset", times_seen, outcome, last_seen_at) VALUES ('t', 0, ?, ?, ?, ?)"#,
                        arguments: [offset, times, outcome, t0.timeIntervalSince1970])
                }
            }
        }
        let store = try AlertStore(database: try StateDatabase(path: path))
        #expect(try store.timesSeen(topic: "t") == [0: 1, 1: 3, 2: 1])
        #expect(try store.ledger().filter(\.isDeadLetter).map(\.offset) == [2])

        try store.apply(BatchWrite(consumed: records(0, 1...3)))
        #expect(try store.timesSeen(topic: "t") == [0: 1, 1: 4, 2: 2, 3: 1], "a re-read of carried-over offsets adds to their counts")
        #expect(try store.ledger().filter(\.isDeadLetter).isEmpty, "offset 2's latest outcome is the re-read's")
    }
}
