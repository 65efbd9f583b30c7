import Foundation
import KlaxonCore
import KlaxonKafka
import KlaxonService
import KlaxonStore
import KlaxonTesting
import Logging
import Testing

/// `klaxon run` as two stages over the internal alerts topic (issue #14 step 2): what ingest
/// hands off is keyed the way scale-out needs, a crash right after the hand-off loses nothing,
/// and a topic with another partition count is refused.
@Suite(.stopsServers) struct AlertsTopicTests {
    /// Every record of the alerts topic, decoded, with the partition it was read from.
    static func handedOff(_ f: ServiceFixture) async throws -> [(partition: Int32, record: AlertsRecord)] {
        let reader = try KafkaTopicReader(
            properties: ["bootstrap.servers": f.broker.bootstrapServers], topic: ServiceFixture.alerts, logger: Logger(label: "test"))
        let ends = try await reader.assignAll()
        var out: [(Int32, AlertsRecord)] = []
        var read: [Int32: Int64] = [:]
        let deadline = ContinuousClock.now + .seconds(20)
        while ends.contains(where: { p, end in (read[p] ?? 0) < end }) && ContinuousClock.now < deadline {
            for m in try await reader.poll() {
                out.append((m.partition, try AlertsRecordCodec.decode(m.value)))
                read[m.partition] = m.offset + 1
            }
        }
        await reader.close()
        return out
    }

    @Test func eachAlertIsHandedToThePartitionOfItsFingerprint() async throws {
        let f = try await ServiceFixture(partitions: 2)
        try f.writeConfig()
        let producer = try f.producer()
        let report = try Data(contentsOf: ServiceFixture.sample("trivy-shop-api.json"))
        try await producer.send(topic: ServiceFixture.scans, value: report, partition: 1)
        try await producer.send(topic: ServiceFixture.scans, value: Data("not json".utf8), partition: 0)

        let service = try f.startService()
        try await eventually("4 alerts delivered and both messages in the ledger", watching: service) {
            try f.fileAlerts().count >= 4 && f.store().ledger().count == 2
        }
        #expect(try await service.stop() == 0)

        let records = try await Self.handedOff(f)
        let partitioner = StatePartitioner(partitions: KafkaSettings().alertsPartitions)
        let alerts = records.flatMap { r in r.record.part.alerts.map { (r.partition, $0.fingerprint) } }
        #expect(alerts.count == 4, "one copy of each alert: \(alerts)")
        #expect(alerts.allSatisfy { p, fp in partitioner.partition(of: fp) == p }, "\(alerts)")
        // The complete scan reaches every partition, so each owner can resolve its own alerts.
        let scanned = Set(records.filter { !$0.record.part.scopes.isEmpty }.map(\.partition))
        #expect(scanned == Set(0..<KafkaSettings().alertsPartitions))
        // Each input message is in the ledger once: one record of each carries its entry.
        let ledgers = records.compactMap(\.record.ledger).map { "\($0.topic)/\($0.partition)@\($0.offset)" }.sorted()
        #expect(ledgers == ["\(ServiceFixture.scans)/0@0", "\(ServiceFixture.scans)/1@0"])
        #expect(try f.store().ledger().map(\.outcome).sorted().first?.hasPrefix("deadletter: ") == true)
    }

    /// A service with the inhibition rule of `SilenceAndReloadTests`, its API on a free port,
    /// logging at debug level (the state stage says when it holds part of a message).
    static func inhibitingService(_ f: ServiceFixture, reportWait: String) async throws -> (ChildProcess, String) {
        let port = try freePort()
        try f.writeConfig(httpListen: "127.0.0.1:\(port)", routesExtra: """
            inhibit_rules:
              - source_matchers: ['severity="critical"']
                target_matchers: ['severity=~"high|medium|low"']
                equal: [image]
            """, reportWait: reportWait)
        let base = "http://127.0.0.1:\(port)"
        let service = try f.startService(environment: ["KLAXON_LOG_LEVEL": "debug"])
        try await eventually("the API answers", watching: service) { (try? await HTTP.call("GET", base + "/readyz").0) == 200 }
        return (service, base)
    }

    /// The Trivy sample's records as the ingest stage makes them for input offset `offset`:
    /// the critical finding's record, and the others.
    static func scanRecords(offset: Int64) throws -> (early: [KafkaMessage], late: [KafkaMessage]) {
        let processor = BatchProcessor(topics: [TopicSettings(name: ServiceFixture.scans)], maxMessageBytes: 1 << 24, defaultEnvironment: "prod")
        let plan = IngestPlan.make(
            [KafkaRecord(topic: ServiceFixture.scans, partition: 0, offset: offset, value: try Data(contentsOf: ServiceFixture.sample("trivy-shop-api.json")))],
            processor: processor, partitioner: StatePartitioner(partitions: KafkaSettings().alertsPartitions), now: Date())
        let isLate = try plan.outputs.map { try AlertsRecordCodec.decode($0.value).part.alerts.contains { $0.labels["severity"] == "critical" } }
        let messages = plan.outputs.map { KafkaMessage(value: $0.value, partition: $0.partition) }
        let out = (early: messages.indices.filter { !isLate[$0] }.map { messages[$0] }, late: messages.indices.filter { isLate[$0] }.map { messages[$0] })
        #expect(out.late.count == 1 && out.early.count == Int(KafkaSettings().alertsPartitions) - 1, "\(out.late.count) late, \(out.early.count) early")
        return out
    }

    /// One report's records sit on several partitions, and a poll may return the lesser
    /// findings' before the critical one's. The state stage holds what it has until the rest
    /// arrives, so inhibition inside the report holds (applied as polled, the lesser alerts were
    /// flushed before their inhibitor existed, `group_wait: 0s`, and delivered).
    @Test func aReportsRecordsAreAppliedTogetherWhicheverPartitionComesFirst() async throws {
        let f = try await ServiceFixture()
        // Long enough that the test's own pace under the full suite's load never decides.
        let (service, base) = try await Self.inhibitingService(f, reportWait: "5m")
        let records = try Self.scanRecords(offset: 0)
        let producer = try f.producer()
        _ = try await producer.sendAll(topic: ServiceFixture.alerts, records.early)
        try await eventually("the state stage holds part of the report", watching: service) {
            service.stderr.contains("holding part of input messages")
        }
        _ = try await producer.sendAll(topic: ServiceFixture.alerts, records.late)
        try await eventually("the critical alert is delivered") { !f.fileAlerts().isEmpty }
        try await f.settled(base, records: 1)
        #expect(f.fileAlerts().compactMap { ($0["labels"] as? [String: String])?["severity"] } == ["critical"])
        let metrics = try await HTTP.text(base + "/metrics")
        #expect(metrics.contains(#"klaxon_alerts_suppressed_total{reason="inhibited"} 3"#))
        #expect(metrics.contains("klaxon_state_split_messages_total 0"))
        #expect(try await service.stop() == 0)
    }

    /// A record that never comes holds the rest for `batch.report_wait`, no longer: the part is
    /// applied and counted; the message's records that trickle in later are applied without
    /// waiting again, and input after it goes through.
    @Test func aReportWhoseRestNeverComesIsAppliedAfterTheWait() async throws {
        let f = try await ServiceFixture()
        let (service, base) = try await Self.inhibitingService(f, reportWait: "1s")
        let producer = try f.producer()
        let early = try Self.scanRecords(offset: 0).early
        _ = try await producer.sendAll(topic: ServiceFixture.alerts, Array(early.prefix(5)))
        try await eventually("the partial report is applied after the wait, and counted", watching: service) {
            try await HTTP.text(base + "/metrics").contains("klaxon_state_split_messages_total 1")
        }
        _ = try await producer.sendAll(topic: ServiceFixture.alerts, Array(early.dropFirst(5)))
        #expect(service.stderr.contains("notice klaxon: count=1 messages=\(ServiceFixture.scans)/0@0"), "\(service.stderr.split(separator: "\n").filter { $0.contains("report_wait") })")
        // Nothing inhibits them: the critical alert never arrived.
        try await eventually("the lesser alerts are delivered") { f.fileAlerts().count == 3 }
        let falco = try String(contentsOf: ServiceFixture.sample("falco-events.jsonl"), encoding: .utf8).split(separator: "\n")
        try await producer.send(topic: ServiceFixture.runtime, value: Data(falco[0].utf8))
        try await eventually("input after it goes through", watching: service) { f.fileAlerts().count == 4 }
        #expect(try await HTTP.text(base + "/metrics").contains("klaxon_state_split_messages_total 1"))
        #expect(service.stderr.components(separatedBy: "holding part of input messages").count == 2, "held once, not again for the late records")
        #expect(try await service.stop() == 0)
    }

    @Test func hardStopAfterTheHandOffLosesNothing() async throws {
        let f = try await ServiceFixture()
        try f.writeConfig()
        let producer = try f.producer()
        let report = try Data(contentsOf: ServiceFixture.sample("trivy-shop-api.json"))
        try await producer.send(topic: ServiceFixture.scans, value: report)

        // Run 1 dies (like kill -9) once its hand-off transaction committed, before anything
        // else: the state stage may or may not have read the records.
        let crashed = try f.startService(environment: ["KLAXON_FAILPOINT": "crash-after-handoff"])
        let status = try await crashed.waitForExit()
        #expect(status == 86, "expected the failpoint exit; stderr:\n\(crashed.stderr.suffix(2000))")
        #expect(try await Self.handedOff(f).flatMap(\.record.part.alerts).count == 4, "the records are in the alerts topic")

        // Run 2 takes the records over; on the embedded broker, which drops transactional
        // offsets, it also reads the input again and hands it off a second time.
        let service = try f.startService()
        try await eventually("all 4 alerts delivered", watching: service) { f.fileAlerts().count >= 4 }
        try await eventually("the ledger has the message", watching: service) { (try f.store().timesSeen(topic: ServiceFixture.scans)[0] ?? 0) >= 1 }
        let stopped = try await service.stop()
        #expect(stopped == 0, "\(service.stderr.suffix(3000))")

        let fingerprints = f.fileAlerts().compactMap { $0["fingerprint"] as? String }
        #expect(Set(fingerprints).count == 4, "every alert delivered")
        #expect(fingerprints.count == 4, "a second hand-off of the same message queued no second notification")
        #expect(try f.store().states().count == 4)
    }

    @Test func aTopicWithAnotherPartitionCountIsRefused() async throws {
        let f = try await ServiceFixture()
        try f.writeConfig()
        let text = try String(contentsOf: f.configFile, encoding: .utf8)
        try text.replacingOccurrences(of: "  group_id: \(f.group)\n", with: "  group_id: \(f.group)\n  alerts_partitions: 5\n")
            .write(to: f.configFile, atomically: true, encoding: .utf8)

        let service = try f.startService()
        let status = try await service.waitForExit()
        #expect(status != 0)
        // The ingest stage checks the alerts topic and the state stage its changelog, at once:
        // whichever answers first stops the service.
        let refusals = [
            "topic \(ServiceFixture.alerts) (kafka.alerts_topic) has 12 partitions but kafka.alerts_partitions is 5",
            "topic \(KafkaSettings().changelogTopic) (kafka.changelog_topic) has 12 partitions but kafka.alerts_partitions is 5",
        ]
        #expect(refusals.contains { service.stderr.contains($0) }, "\(service.stderr.suffix(2000))")
    }

    /// The same scan arriving on two input partitions read by two instances: before the
    /// alerts topic, each instance kept and notified its own copy of every finding. Now each
    /// alert has one owner, which counts both reports and notifies once.
    @Test func twoInstancesReadingTheSameScanKeepAndNotifyEachAlertOnce() async throws {
        let f = try await ServiceFixture(partitions: 2)
        try f.writeConfig()
        let one = try ControlTopicTests.Instance("one", f), two = try ControlTopicTests.Instance("two", f)
        try one.start(f)
        try two.start(f)
        let outcome = await capture {
            for i in [one, two] {
                try await eventually("\(i.name) ready", watching: i.process!) { (try? await HTTP.call("GET", i.base + "/readyz"))?.0 == 200 }
            }
            let producer = try f.producer()
            let report = try Data(contentsOf: ServiceFixture.sample("trivy-shop-api.json"))
            for p: Int32 in [0, 1] { try await producer.send(topic: ServiceFixture.scans, value: report, partition: p) }
            let stores = [one, two].map { i in { try AlertStore(database: try StateDatabase(path: i.state)) } }
            try await eventually("both reports of every alert counted") {
                let states = try stores.flatMap { try $0().states() }
                return states.count == 4 && states.allSatisfy { $0.occurrences == 2 }
            }
            // A group can be the other instance's (its key's partition), which reads the alert
            // from the changelog: wait for the notifications, then for both to settle.
            try await eventually("every alert notified") { Set(f.fileAlerts().compactMap { $0["fingerprint"] as? String }).count == 4 }
            try await one.settled()
            try await two.settled()
            let held = try stores.map { Set(try $0().states().map(\.alert.fingerprint)) }
            #expect(held[0].isDisjoint(with: held[1]), "no alert kept by both")
            #expect(!held[0].isEmpty && !held[1].isEmpty, "each instance owns some of them: \(held.map(\.count))")
            let notified = f.fileAlerts().compactMap { $0["fingerprint"] as? String }
            #expect(notified.count == 4 && Set(notified).count == 4, "each alert notified once: \(notified)")
        }
        try await one.stop()
        try await two.stop()
        try outcome.get()
    }
}
