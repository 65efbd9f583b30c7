import Foundation
import KlaxonCore
import KlaxonKafka
import KlaxonStore
import KlaxonTesting
import Logging
import Testing
@testable import KlaxonService

/// Control records: their wire form, and applying them to a real state file — again and again
/// (a replay) giving the same state, an expiry never undone, and what the topic lacks found.
@Suite struct ControlApplyTests {
    let t0 = Date(timeIntervalSince1970: 1_780_000_000.123)

    func silence(_ id: String = "s1", expiredAt: Date? = nil) -> Silence {
        Silence(
            id: id, matchers: [try! Matcher(parsing: #"alertname="Muted""#)], startsAt: t0, ending: .at(t0.addingTimeInterval(3600)),
            expiredAt: expiredAt, createdBy: "alice", comment: "maintenance")
    }

    var mark: FalsePositiveStore.Mark {
        .init(fingerprint: Fingerprint(labels: ["alertname": "Marked"]), reason: "lab host", markedBy: "bob", markedAt: t0)
    }

    @Test func recordsKeepTheirValueThroughTheWireFormAndShareAKeyPerSubject() throws {
        let records: [ControlRecord] = [
            .silence(silence()), .silence(silence(expiredAt: t0.addingTimeInterval(60))), .falsePositive(mark),
            .falsePositiveRemoved(mark.fingerprint, by: "carol", at: t0),
            .reload(ReloadRequest(id: "r1", origin: "i1", host: "node-a", by: "dana", at: t0)),
            .reload(ReloadRequest(id: "r2", origin: "i2", host: "", by: "erin", at: t0)),
        ]
        for r in records { #expect(try ControlRecord.decode(try r.encoded()) == r) }
        #expect(records[0].key == "silence/s1" && records[1].key == "silence/s1")
        #expect(records[2].key == "false-positive/\(mark.fingerprint)" && records[3].key == records[2].key)
        #expect(records[4].key == "config/reload" && records[5].key == records[4].key, "one key: compaction keeps the last request")
    }

    @Test func whatDoesNotDecodeIsRefusedWithAReason() {
        for bad in ["", "not json", #"{"type":"gossip"}"#, #"{"type":"silence"}"#, #"{"type":"false_positive","fingerprint":"zz"}"#,
                    #"{"type":"config_reload","id":"r1","by":"dana"}"#] {
            #expect(throws: (any Error).self, "\(bad)") { try ControlRecord.decode(Data(bad.utf8)) }
        }
    }

    @Test func applyingARecordAgainChangesNothingAndAnExpiryIsNeverUndone() throws {
        let db = try StateDatabase.temporary("control")
        let applier = ControlApplier(silences: SilenceStore(database: db), falsePositives: FalsePositiveStore(database: db))
        let active = ControlRecord.silence(silence())
        let expired = ControlRecord.silence(silence(expiredAt: t0.addingTimeInterval(60)))
        #expect(try applier.apply(active))
        #expect(try !applier.apply(active), "the same record again")
        #expect(try applier.apply(expired))
        #expect(try !applier.apply(active), "an older state replayed does not bring the silence back")
        #expect(try applier.silences.get("s1")?.expiredAt == t0.addingTimeInterval(60))

        #expect(try applier.apply(.falsePositive(mark)))
        #expect(try !applier.apply(.falsePositive(mark)))
        #expect(applier.falsePositives.contains(mark.fingerprint))
        #expect(try applier.apply(.falsePositiveRemoved(mark.fingerprint, by: "carol", at: t0)))
        #expect(try !applier.apply(.falsePositiveRemoved(mark.fingerprint, by: "carol", at: t0)))
        #expect(!applier.falsePositives.contains(mark.fingerprint))
    }

    @Test func theTopicIsBroughtUpToWhatOnlyThisInstanceHolds() {
        let seen: [String: ControlRecord] = [
            "silence/s1": .silence(silence()), "silence/s2": .silence(silence("s2")),
            "false-positive/\(mark.fingerprint)": .falsePositiveRemoved(mark.fingerprint, by: "carol", at: t0),
        ]
        let local = [silence(expiredAt: t0.addingTimeInterval(5)), silence("s2"), silence("s3")]
        let other = FalsePositiveStore.Mark(fingerprint: Fingerprint(labels: ["alertname": "Other"]), reason: "r", markedBy: "m", markedAt: t0)
        let records = ControlReconciliation.records(silences: local, marks: [mark, other], topic: seen)
        #expect(records == [.silence(local[0]), .silence(local[2]), .falsePositive(other)],
                "an expiry made here, a silence and a mark the topic never saw; a mark taken back on the topic stays gone")
    }
}

/// A write the broker took but this instance has not applied answers, after the bounded wait,
/// with an error that says so (the API's 503).
@Suite struct ControlWriteTimeoutTests {
    @Test func aWriteNotAppliedInTimeIsAnUnavailableErrorNamingWhereItIs() async throws {
        let broker = try EmbeddedBroker(topics: ["ctl"], partitions: 1)
        let db = try StateDatabase.temporary("control-timeout")
        let silences = SilenceStore(database: db)
        try await broker.withProducer { producer in
            // The reader is never run: nothing is applied.
            let control = ControlTopic(
                topic: "ctl", reader: try KafkaTopicReader(properties: ["bootstrap.servers": broker.bootstrapServers], topic: "ctl", logger: Logger(label: "test")),
                producer: producer, applier: ControlApplier(silences: silences, falsePositives: FalsePositiveStore(database: db)),
                applyTimeout: .milliseconds(300), logger: Logger(label: "test"))
            let s = Silence(id: "s1", matchers: [try Matcher(parsing: "a=b")], startsAt: Date(), ending: .onResolve, createdBy: "a", comment: "c")
            let failure = await #expect(throws: ApiFailure.self) { try await control.write { ((), [ControlRecord.silence(s)]) } }
            #expect(failure?.kind == .unavailable)
            #expect(failure?.message.hasPrefix("the change was written to the control topic ctl (partition 0, offset 0) but this instance has not applied it within") == true, "\(failure?.message ?? "")")
            #expect(try silences.get("s1") == nil)
        }
    }
}
