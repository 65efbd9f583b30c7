import Foundation
import GRDB
import KlaxonCore
import KlaxonKafka
import KlaxonService
import KlaxonTesting
import Testing

@testable import KlaxonStore

/// The `klaxon.alerts` record (issue #14 step 2): what ingest decodes, split by state key and
/// carried in binary, must write exactly what ingest writes today — same alerts, resolutions,
/// coverage and ledger — and a damaged record must be refused, never trap.
@Suite struct AlertsRecordTests {
    static let samplesDir = Tools.packageRoot.appendingPathComponent("samples")
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// Every sample as one message of topic `in` (auto-detected), plus an undecodable one.
    static func messages() throws -> [KafkaRecord] {
        let names = try FileManager.default.contentsOfDirectory(atPath: samplesDir.path).filter { $0.hasSuffix(".json") || $0.hasSuffix(".sarif") || $0.hasSuffix(".ndjson") }.sorted()
        var out = try names.enumerated().map { i, name in
            KafkaRecord(topic: "in", partition: Int32(i % 3), offset: Int64(i), value: try Data(contentsOf: samplesDir.appendingPathComponent(name)))
        }
        out.append(KafkaRecord(topic: "in", partition: 0, offset: 999, value: Data("not json".utf8)))
        return out
    }

    /// What ingest wrote before the alerts topic, from the whole batch in one store: the
    /// reference the records must reproduce.
    static func singleStore(_ records: [KafkaRecord], now: Date) -> BatchWrite {
        var write = BatchWrite()
        for record in records {
            let decoded = processor.decode(record, now: now)
            if case .success(let report) = decoded {
                for alert in report.alerts { write.reports.append(AlertReport(alert: alert, owner: "\(record.topic)/\(record.partition)", receivedAt: now)) }
                write.coverage.add(report, receivedAt: now, kinds: processor.coverageKinds)
                if !report.scopes.isEmpty {
                    write.scans.append(ScanReport(scopes: report.scopes, present: Set(report.alerts.map(\.fingerprint)), at: now))
                }
            }
            write.consumed.append(ConsumedRecord(
                topic: record.topic, partition: record.partition, offset: record.offset, outcome: BatchProcessor.outcome(decoded)))
        }
        return write
    }

    static let processor = BatchProcessor(topics: [TopicSettings(name: "in")], maxMessageBytes: 1 << 24, defaultEnvironment: "prod")
    static let partitioner = StatePartitioner(partitions: 5)

    /// The same messages through the two stages' pure halves: `IngestPlan` decodes, splits and
    /// encodes; the records are "delivered" to their partitions of `klaxon.alerts` in order;
    /// `StateBatch` reads them back — one batch per partition, or (`mixed`) every partition in
    /// one batch, as a poll over several partitions returns them to one store.
    static func throughRecords(_ messages: [KafkaRecord], at now: Date, mixed: Bool = false) throws -> ([BatchWrite], [AlertsRecord]) {
        let plan = IngestPlan.make(messages, processor: processor, partitioner: partitioner, now: now)
        #expect(plan.deadLetters.count == messages.filter { if case .failure = processor.decode($0, now: now) { true } else { false } }.count)
        var topic: [Int32: [KafkaRecord]] = [:]
        for o in plan.outputs {
            topic[o.partition, default: []].append(
                KafkaRecord(topic: "klaxon.alerts", partition: o.partition, offset: Int64(topic[o.partition]?.count ?? 0), value: o.value))
        }
        let sent = try plan.outputs.map { try AlertsRecordCodec.decode($0.value) }
        // Each partition's owner reads its records in order, but partitions interleave freely:
        // partitions taken last to first here.
        var writes: [BatchWrite] = []
        for p in (0..<partitioner.partitions).reversed() {
            let batch = StateBatch.make(topic[p] ?? [], partitioner: partitioner)
            #expect(batch.deadLetters.isEmpty)
            writes.append(contentsOf: batch.segments.map(\.write))
        }
        if mixed {
            let all = StateBatch.make((0..<partitioner.partitions).flatMap { topic[$0] ?? [] }, partitioner: partitioner)
            writes = all.segments.map(\.write)
        }
        return (writes, sent)
    }

    /// What a store holds, owner aside (it names the partition that carried the report).
    static func dump(_ db: StateDatabase) throws -> [String] {
        let q = try DatabaseQueue(path: db.path)
        return try q.read { db in
            // The stored alert compared as a value: its maps' byte order follows hashing.
            try Row.fetchAll(db, sql: """
                SELECT fingerprint, status, first_seen_at, last_seen_at, occurrences, resolved_at, scope, sources, admitted, alert_json
                FROM alert ORDER BY fingerprint
                """).map { row in
                    let alert = try AlertCodec.decode(row["alert_json"])
                    return "\(row) labels:\(alert.labels.sorted { $0.key < $1.key }) annotations:\(alert.annotations.sorted { $0.key < $1.key }) "
                        + "\(alert.severity) \(String(describing: alert.scope)) \(String(describing: alert.occurredAt)) \(String(describing: alert.detectedAt))"
                        + " \(String(describing: alert.resolvedAt)) \(String(describing: alert.expiresAfter)) \(String(describing: alert.origin))"
                }
                + Row.fetchAll(db, sql: "SELECT * FROM coverage_artifact ORDER BY 1, 2, 3").map(\.description)
                + Row.fetchAll(db, sql: "SELECT * FROM coverage_scan ORDER BY 1").map(\.description)
                + Row.fetchAll(db, sql: "SELECT topic, partition, first_offset, last_offset, times_seen, outcome FROM ingest_run ORDER BY 1, 2, 3")
                .map(\.description)
        }
    }

    @Test(arguments: [false, true])
    func recordsWriteWhatIngestWritesTodayIncludingScanResolutions(mixed: Bool) throws {
        let messages = try Self.messages()
        let (direct, viaRecords) = (try AlertStore(database: try .temporary("direct")), try AlertStore(database: try .temporary("records")))
        try direct.apply(Self.singleStore(messages, now: Self.t0))
        let (writes, sent) = try Self.throughRecords(messages, at: Self.t0, mixed: mixed)
        #expect(sent.compactMap(\.ledger).map(\.offset).sorted() == messages.map(\.offset).sorted())
        #expect(Set(sent.map(\.part.partition)).count == Int(Self.partitioner.partitions))
        for w in writes { try viaRecords.apply(w) }

        // A day later every scanned artifact is scanned again and comes back with half its findings.
        let later = Self.t0.addingTimeInterval(86_400)
        let rescans = messages.compactMap { m -> KafkaRecord? in
            guard case .success(let r) = Self.processor.decode(m, now: later), !r.scopes.isEmpty else { return nil }
            return m
        }
        #expect(rescans.count >= 3)
        let halves = rescans.enumerated().map { i, m in
            var m = m
            m.offset += 1_000
            if let text = String(data: m.value, encoding: .utf8), let cut = Self.dropHalfTheFindings(text) { m.value = Data(cut.utf8) }
            return m
        }
        try direct.apply(Self.singleStore(halves, now: later))
        for w in try Self.throughRecords(halves, at: later, mixed: mixed).0 { try viaRecords.apply(w) }

        let (a, b) = (try Self.dump(direct.database), try Self.dump(viaRecords.database))
        #expect(a.count > 40)
        #expect(a.contains { $0.contains("status:\"resolved\"") }, "the re-scans resolved nothing: the test lost its point")
        #expect(a == b, "only direct: \(Set(a).subtracting(b).sorted().prefix(3).map { $0.prefix(300) }) only via records: \(Set(b).subtracting(a).sorted().prefix(3).map { $0.prefix(300) })")
    }

    /// A Trivy report without every other vulnerability (a re-scan after some fixes), or nil.
    static func dropHalfTheFindings(_ text: String) -> String? {
        guard var json = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            var results = json["Results"] as? [[String: Any]]
        else { return nil }
        for i in results.indices {
            if let v = results[i]["Vulnerabilities"] as? [Any] { results[i]["Vulnerabilities"] = v.enumerated().filter { $0.offset % 2 == 0 }.map(\.element) }
        }
        json["Results"] = results
        return (try? JSONSerialization.data(withJSONObject: json)).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func aDamagedRecordIsRefusedWithAReasonNeverATrap() throws {
        let (_, sent) = try Self.throughRecords(try Self.messages(), at: Self.t0)
        // The fullest record that also carries a ledger entry: every field is damaged somewhere.
        let record = try #require(sent.filter { $0.ledger != nil && !$0.part.coverage.isEmpty }
            .max { $0.part.alerts.count + $0.part.scopes.count < $1.part.alerts.count + $1.part.scopes.count })
        #expect(!record.part.scopes.isEmpty && record.part.alerts.count > 1)
        let bytes = AlertsRecordCodec.encode(record)
        // Every prefix is refused.
        for n in 0..<bytes.count {
            do {
                _ = try AlertsRecordCodec.decode(bytes.prefix(n))
                Issue.record("\(n) of \(bytes.count) bytes were read")
            } catch {
                #expect("\(error)".hasPrefix("klaxon.alerts record is corrupt: "), "\(error)")
            }
        }
        // Trailing bytes, another version.
        #expect(throws: (any Error).self) { try AlertsRecordCodec.decode(bytes + Data([0])) }
        var other = bytes
        other[other.startIndex] = 9
        do {
            _ = try AlertsRecordCodec.decode(other)
            Issue.record("version 9 was read")
        } catch {
            #expect("\(error)".contains("klaxon.alerts record is corrupt: unknown"))
        }
        // An unknown format is named in the error, cut short (reasons travel in dead letters' headers).
        // version, receivedAt, origin (empty topic, partition 0, offset), no outcome, no partitions, partition 0
        var forged: [UInt8] = [1] + Array(repeating: 0, count: 8) + [0, 0] + Array(repeating: 0, count: 8) + [0, 0, 0]
        AlertCodec.putString(String(repeating: "x", count: 10_000), &forged)
        do {
            _ = try AlertsRecordCodec.decode(Data(forged + [0, 0, 0, 0]))
            Issue.record("a record of an unknown format was read")
        } catch {
            #expect("\(error)".hasPrefix("klaxon.alerts record is corrupt: unknown format xxx") && "\(error)".count < 100, "\(error)")
        }
        // Random damage: refused or read, never a crash (a flipped byte inside a string reads).
        var rng = SplitMix64(seed: 14)
        var refused = 0
        for _ in 0..<5_000 {
            var d = bytes
            for _ in 0..<(1 + rng.below(3)) { d[d.startIndex + rng.below(d.count)] = UInt8(truncatingIfNeeded: rng.next()) }
            if (try? AlertsRecordCodec.decode(d)) == nil { refused += 1 }
        }
        #expect(refused > 100)
    }

    @Test func aMessageWithNothingToDecideStillReachesTheLedgerOnce() throws {
        let ledger = ConsumedRecord(topic: "in", partition: 2, offset: 7, outcome: "falco: 0 alerts")
        let partitioner = StatePartitioner(partitions: 2)
        let records = AlertsRecord.records(ledger, receivedAt: Self.t0, parts: [], format: .falco, partitioner: partitioner)
        #expect(records.map(\.part.partition) == [0] && records.map(\.ledger) == [ledger])
        let other = ConsumedRecord(topic: "in", partition: 3, offset: 8, outcome: "x")
        #expect(AlertsRecord.bare(other, receivedAt: Self.t0, format: .auto, partitioner: partitioner).part.partition == 1)
        #expect(try AlertsRecordCodec.decode(AlertsRecordCodec.encode(records[0])) == records[0])
        var write = BatchWrite()
        for r in records { write.add(r, owner: "klaxon.alerts/0", partitioner: partitioner) }
        #expect(write.reports.isEmpty && write.scans.isEmpty && write.coverage.isEmpty)
        #expect(write.consumed.map(\.offset) == [7])
    }

    @Test func aMessageWhoseRecordsWouldExceedTheLimitIsADeadLetterWithItsLedgerEntry() throws {
        let messages = try Self.messages()
        let full = IngestPlan.make(messages, processor: Self.processor, partitioner: Self.partitioner, now: Self.t0)
        // Just under the largest record the samples make.
        let limit = try #require(full.outputs.map(\.value.count).max()) - 1
        let cut = IngestPlan.make(messages, processor: Self.processor, partitioner: Self.partitioner, now: Self.t0, maxRecordBytes: limit)
        #expect(cut.outputs.allSatisfy { $0.value.count <= limit })
        let sized = cut.deadLetters.filter { $0.kind == .size }
        #expect(!sized.isEmpty && sized.allSatisfy { $0.reason.contains("over the \(limit)-byte limit") }, "\(sized.map(\.reason))")
        // Every message still sends its ledger entry once; a dead letter's says why.
        let ledgers = try cut.outputs.compactMap { try AlertsRecordCodec.decode($0.value).ledger }
        #expect(ledgers.map(\.offset).sorted() == messages.map(\.offset).sorted())
        for dead in sized {
            #expect(ledgers.first { $0.offset == dead.record.offset }?.outcome == "deadletter: \(dead.reason)")
        }
    }

    /// A poll may return one partition's records of a report before another's; the batch says
    /// which messages it holds only part of, counting only partitions this instance reads, and
    /// a message given up on is not waited for again.
    @Test func aBatchKnowsWhichMessagesItHoldsOnlyPartOf() throws {
        let plan = IngestPlan.make(try Self.messages(), processor: Self.processor, partitioner: Self.partitioner, now: Self.t0)
        var topic: [Int32: [KafkaRecord]] = [:]
        for o in plan.outputs {
            topic[o.partition, default: []].append(
                KafkaRecord(topic: "klaxon.alerts", partition: o.partition, offset: Int64(topic[o.partition]?.count ?? 0), value: o.value))
        }
        let sent = try plan.outputs.map { (partition: $0.partition, record: try AlertsRecordCodec.decode($0.value)) }
        // Every record names its message and all the partitions its siblings went to.
        for (origin, records) in Dictionary(grouping: sent, by: \.record.origin) {
            #expect(records.allSatisfy { $0.record.partitions == records.map(\.partition).sorted() }, "\(origin)")
        }
        let all = Set(0..<Self.partitioner.partitions)
        let first: Set<Int32> = [0, 1, 2]
        var batch = StateBatch()
        batch.add(first.sorted().flatMap { topic[$0] ?? [] }, partitioner: Self.partitioner)
        // Expected: for each message with a record in the first partitions, its other partitions.
        var expected: [MessageOrigin: Set<Int32>] = [:]
        for (origin, records) in Dictionary(grouping: sent, by: \.record.origin) {
            let ps = Set(records.map(\.partition))
            if !ps.isDisjoint(with: first), !ps.isSubset(of: first) { expected[origin] = ps.subtracting(first) }
        }
        #expect(expected.count >= 3, "the samples no longer spread over partitions: the test lost its point")
        #expect(batch.awaited(reading: all) == expected)
        #expect(batch.awaited(reading: first).isEmpty, "partitions another instance reads are not waited for")
        #expect(batch.awaited(reading: [0, 1, 2, 3]) == expected.compactMapValues { $0.contains(3) ? [3] : nil })

        // The rest arrives in the next poll: complete.
        var completed = batch
        completed.add(all.subtracting(first).sorted().flatMap { topic[$0] ?? [] }, partitioner: Self.partitioner)
        #expect(completed.awaited(reading: all).isEmpty)
        #expect(completed.records.count == plan.outputs.count)

        // Given up on: the next batch, holding the rest, waits for none of those messages.
        var next = StateBatch(givenUp: Set(expected.keys))
        next.add(all.subtracting(first).sorted().flatMap { topic[$0] ?? [] }, partitioner: Self.partitioner)
        #expect(next.awaited(reading: all).isEmpty)
        #expect(next.reports.count == completed.reports.count - batch.reports.count, "and applies their records")
        // Without it, the late records would wait for their siblings already applied.
        #expect(StateBatch.make(all.subtracting(first).sorted().flatMap { topic[$0] ?? [] }, partitioner: Self.partitioner)
            .awaited(reading: all).keys.sorted(by: { $0.description < $1.description }) == expected.keys.sorted(by: { $0.description < $1.description }))
    }

    @Test func anUnreadableOrMisroutedRecordIsADeadLetterAndTheRestIsWritten() throws {
        let plan = IngestPlan.make(try Self.messages(), processor: Self.processor, partitioner: Self.partitioner, now: Self.t0)
        let good = try #require(plan.outputs.first { $0.partition == 1 && (try? AlertsRecordCodec.decode($0.value))?.part.alerts.isEmpty == false })
        let records = [
            KafkaRecord(topic: "klaxon.alerts", partition: 1, offset: 0, value: Data([1, 2, 3])),
            KafkaRecord(topic: "klaxon.alerts", partition: 1, offset: 1, value: good.value),
            KafkaRecord(topic: "klaxon.alerts", partition: 2, offset: 0, value: good.value),
        ]
        let batch = StateBatch.make(records, partitioner: Self.partitioner)
        #expect(batch.deadLetters.map(\.record.offset) == [0, 0])
        #expect(batch.deadLetters.map(\.record.partition) == [1, 2])
        #expect(batch.deadLetters[0].reason.hasPrefix("klaxon.alerts record is corrupt"))
        #expect(batch.deadLetters[1].reason.contains("split for partition 1 arrived on partition 2"))
        #expect(batch.reports.count == (try AlertsRecordCodec.decode(good.value)).part.alerts.count)
        #expect(batch.reports.allSatisfy { $0.owner == "klaxon.alerts/1" })

        // Split by an instance that counts 3 partitions, read by one that counts 5: the partition
        // numbers may agree while the alerts do not.
        let three = IngestPlan.make(try Self.messages(), processor: Self.processor, partitioner: StatePartitioner(partitions: 3), now: Self.t0)
        let stray = three.outputs.map { KafkaRecord(topic: "klaxon.alerts", partition: $0.partition, offset: 0, value: $0.value) }
        let read = StateBatch.make(stray, partitioner: Self.partitioner)
        #expect(!read.deadLetters.isEmpty)
        #expect(read.deadLetters.allSatisfy { $0.reason.contains("disagree on the partition count of klaxon.alerts (this one splits by 5)") })
        #expect(read.deadLetters.contains { $0.reason.contains("belongs to partition") })
    }
}
