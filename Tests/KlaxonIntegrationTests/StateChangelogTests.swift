import Foundation
import KlaxonCore
import KlaxonKafka
import KlaxonStore
import KlaxonTesting
import Testing

/// A partition that moves takes its alerts' state along (issue #14 step 3, docs/scaling.md):
/// the state stage writes every changed alert to `kafka.changelog_topic`, and an instance that
/// is given a partition restores it from there before applying any of its records.
@Suite(.serialized, .stopsServers) struct StateChangelogTests {
    typealias Instance = ControlTopicTests.Instance

    @Test func anInstanceThatTakesOverAfterAKillKeepsTheAlertsCountsAndAcknowledgement() async throws {
        let f = try await ServiceFixture(partitions: 2)
        try await f.run(scenario)
    }

    func scenario(_ f: ServiceFixture) async throws {
        try f.writeConfig()
        let producer = try f.producer()
        let one = try Instance("one", f)
        try one.start(f)
        var two: Instance?
        let outcome = await capture {
            two = try await run(f, producer, one)
        }
        try await one.stop()
        try await two?.stop()
        try outcome.get()
    }

    /// The latest changelog record of `fp` (nil when there is none yet).
    func changelogRecord(_ f: ServiceFixture, of fp: Fingerprint) async throws -> AlertChangelogRecord? {
        try await changelogValue(f, key: AlertChangelogCodec.key(fp)).map(AlertChangelogCodec.decode)
    }

    func listed(_ i: Instance, _ name: String) async throws -> [String: Any]? {
        let list = (try? await i.get("/api/v1/alerts")) as? [[String: Any]] ?? []
        return list.first { ($0["labels"] as? [String: String])?["alertname"] == name }
    }

    /// Webhook alerts of `name` notified firing (an acknowledgement is a follow-up of its own).
    func notified(_ f: ServiceFixture, _ name: String) -> Int {
        f.webhookAlerts().filter { ($0["labels"] as? [String: String])?["alertname"] == name && $0["status"] as? String == "firing" }.count
    }

    func run(_ f: ServiceFixture, _ producer: KafkaProducer, _ one: Instance) async throws -> Instance {
        try await eventually("one ready", watching: one.process!) { (try? await HTTP.call("GET", one.base + "/readyz"))?.0 == 200 }
        let (payload, fp) = ControlTopicTests.alert("Failover")
        try await producer.send(topic: ServiceFixture.scans, value: payload, partition: 0)
        try await eventually("one notified Failover", watching: one.process!) { notified(f, "Failover") == 1 }
        let (status, body) = try await HTTP.call("POST", one.base + "/api/v1/alerts/\(fp)/ack", token: "tok", json: ["comment": "on it"])
        #expect(status == 200, "\(String(decoding: body, as: UTF8.self))")
        let before = try #require(try await listed(one, "Failover"))
        #expect(before["status"] as? String == "acknowledged")
        // The acknowledgement came through the API, not through an input message: it reaches
        // the changelog on the state stage's next idle poll.
        try await eventually("the acknowledgement is in the changelog", watching: one.process!) {
            try await changelogRecord(f, of: fp)?.state.status == .acknowledged
        }
        try await one.process!.stop(signal: SIGKILL)

        // A new instance with an empty state file takes every partition over.
        let two = try Instance("two", f)
        try two.start(f)
        try await eventually("two ready", watching: two.process!) { (try? await HTTP.call("GET", two.base + "/readyz"))?.0 == 200 }
        try await eventually("two restored Failover", watching: two.process!, timeout: .seconds(60)) { try await listed(two, "Failover") != nil }
        let restored = try #require(try await listed(two, "Failover"))
        #expect(restored["status"] as? String == "acknowledged")
        #expect(restored["firstSeenAt"] as? String == before["firstSeenAt"] as? String)
        #expect(restored["occurrences"] as? Int == 1)

        // The same report again: a duplicate of the restored alert, not a new one to notify.
        try await producer.send(topic: ServiceFixture.scans, value: payload, partition: 1)
        try await eventually("two counted the report", watching: two.process!) { try await listed(two, "Failover")?["occurrences"] as? Int == 2 }
        try await two.settled()
        #expect(notified(f, "Failover") == 1, "notified once, by the first owner: \(f.webhookAlerts().map { $0["status"] ?? "?" })")
        #expect(try await listed(two, "Failover")?["status"] as? String == "acknowledged")
        return two
    }

    // MARK: An escalation goes on where the old owner left it

    @Test func anEscalationGoesOnOnTheInstanceThatTakesOverAfterAKill() async throws {
        let f = try await ServiceFixture(partitions: 2)
        try await f.run(escalationTakeover)
    }

    func escalationTakeover(_ f: ServiceFixture) async throws {
        try await ClusterLane.exclusive {
            try f.writeConfig()
            try """
                route:
                  receiver: hook
                  group_by: ['...']
                  group_wait: 0s
                  group_interval: 1s
                  routes:
                    - receiver: hook
                      matchers: ['alertname="Escalating"']
                      escalation: oncall
                receivers:
                  - name: hook
                    webhook_configs: [{url: \(f.recorder.url)}]
                  - name: tier1
                    webhook_configs: [{url: \(f.recorder.url)}]
                  - name: tier2
                    webhook_configs: [{url: \(f.recorder.url)}]
                escalation_policies:
                  - name: oncall
                    tiers:
                      - receivers: [tier1]
                        delay: 1s
                      - receivers: [tier2]
                        delay: 15s
                """.write(to: f.routesFile, atomically: true, encoding: .utf8)
            try await oneThenTwo(f, escalationTakeover)
        }
    }

    /// Instance one started, two made (the body starts it once one is killed); both stopped
    /// and awaited whatever the body threw.
    func oneThenTwo(_ f: ServiceFixture, _ body: (ServiceFixture, KafkaProducer, Instance, Instance) async throws -> Void) async throws {
        let producer = try f.producer()
        let (one, two) = (try Instance("one", f), try Instance("two", f))
        try one.start(f)
        let outcome = await capture { try await body(f, producer, one, two) }
        try await one.stop()
        try await two.stop()
        try outcome.get()
    }

    /// The receivers of the webhook's firing requests, in order.
    func firingReceivers(_ f: ServiceFixture) -> [String] {
        f.recorder.received.compactMap { r -> String? in
            let body = (try? JSONSerialization.jsonObject(with: r.body)) as? [String: Any]
            return body?["status"] as? String == "firing" ? body?["receiver"] as? String : nil
        }
    }

    func escalationTakeover(_ f: ServiceFixture, _ producer: KafkaProducer, _ one: Instance, _ two: Instance) async throws {
        try await eventually("one ready", watching: one.process!) { (try? await HTTP.call("GET", one.base + "/readyz"))?.0 == 200 }
        let (payload, fp) = ControlTopicTests.alert("Escalating")
        try await producer.send(topic: ServiceFixture.scans, value: payload, partition: 0)
        // The lifecycle timers look every 10 s in `klaxon run`: the escalation starts at one
        // look after the notification and tier 1 goes at the next.
        try await eventually("one escalated to tier 1", watching: one.process!, timeout: .seconds(90)) { firingReceivers(f).contains("tier1") }
        try await eventually("tier 2 is next, in the changelog", watching: one.process!) {
            try await changelogValue(f, key: LifecycleChangelogCodec.key(fp)).map(LifecycleChangelogCodec.decode)?.escalations.map(\.step) == [1]
        }
        try await one.process!.stop(signal: SIGKILL)

        // A new instance with an empty state file takes every partition over, tier 2 included.
        try two.start(f)
        try await eventually("two ready", watching: two.process!) { (try? await HTTP.call("GET", two.base + "/readyz"))?.0 == 200 }
        try await eventually("two escalated to tier 2", watching: two.process!, timeout: .seconds(90)) { firingReceivers(f).contains("tier2") }
        // Without the lifecycle record two would not know the alert was notified (no escalation
        // at all); without its escalations it would start over and send tier 1 again.
        #expect(firingReceivers(f) == ["hook", "tier1", "tier2"], "\(firingReceivers(f))")
        let history = try await two.get("/api/v1/alerts/\(fp)/history") as? [[String: Any]] ?? []
        #expect(history.filter { $0["kind"] as? String == "escalated" }.count == 1, "two's own history holds the step it ran: \(history)")
    }

    // MARK: A threshold's count goes on where the old owner left it

    @Test func aThresholdCountGoesOnOnTheInstanceThatTakesOverAfterAKill() async throws {
        let f = try await ServiceFixture(partitions: 2)
        try await f.run(thresholdTakeover)
    }

    func thresholdTakeover(_ f: ServiceFixture) async throws {
        try await ClusterLane.exclusive {
            try writeThresholdConfig(f)
            try await oneThenTwo(f, thresholdTakeover)
        }
    }

    func writeThresholdConfig(_ f: ServiceFixture) throws {
        try f.writeConfig(routesExtra: """
            thresholds:
              - name: thrice
                matchers: ['alertname="Counted"']
                count: 3
                window: 1h
            """)
    }

    /// The count comes back from the state file: a restart reads the changelog only past where
    /// the file says it read, so a count the file did not keep would start over.
    @Test func aThresholdCountSurvivesARestartOnTheSameFile() async throws {
        let f = try await ServiceFixture(partitions: 2)
        try await f.run { f in
            try await ClusterLane.exclusive {
                try writeThresholdConfig(f)
                let producer = try f.producer()
                let one = try Instance("one", f)
                try one.start(f)
                let outcome = await capture {
                    try await eventually("one ready", watching: one.process!) { (try? await HTTP.call("GET", one.base + "/readyz"))?.0 == 200 }
                    let (payload, _) = ControlTopicTests.alert("Counted")
                    for n in 1...2 {
                        try await producer.send(topic: ServiceFixture.scans, value: payload, partition: Int32(n % 2))
                        try await eventually("one counted report \(n)", watching: one.process!) { try await listed(one, "Counted")?["occurrences"] as? Int == n }
                    }
                    try await one.settled()
                    try await one.stop()
                    #expect(notified(f, "Counted") == 0, "2 of 3 occurrences are held")
                    try one.start(f)
                    try await eventually("one ready again", watching: one.process!) { (try? await HTTP.call("GET", one.base + "/readyz"))?.0 == 200 }
                    try await producer.send(topic: ServiceFixture.scans, value: payload, partition: 0)
                    try await eventually("one notified Counted on the third report", watching: one.process!) { notified(f, "Counted") == 1 }
                    #expect(try await listed(one, "Counted")?["occurrences"] as? Int == 3)
                }
                try await one.stop()
                try outcome.get()
            }
        }
    }

    func thresholdTakeover(_ f: ServiceFixture, _ producer: KafkaProducer, _ one: Instance, _ two: Instance) async throws {
        try await eventually("one ready", watching: one.process!) { (try? await HTTP.call("GET", one.base + "/readyz"))?.0 == 200 }
        let (payload, fp) = ControlTopicTests.alert("Counted")
        for n in 1...2 {
            try await producer.send(topic: ServiceFixture.scans, value: payload, partition: Int32(n % 2))
            try await eventually("one counted report \(n)", watching: one.process!) { try await listed(one, "Counted")?["occurrences"] as? Int == n }
        }
        let key = ThresholdChangelogCodec.key(ThresholdKeySnapshot(rule: "name:thrice|fingerprint", hash: fp.value, state: nil))
        try await eventually("the count of 2 is in the changelog", watching: one.process!) {
            try await changelogValue(f, key: key).map(ThresholdChangelogCodec.decode)?.state?.slots.map(\.count).reduce(0, +) == 2
        }
        try await one.settled()
        #expect(notified(f, "Counted") == 0, "2 of 3 occurrences are held")
        try await one.process!.stop(signal: SIGKILL)

        // A new instance with an empty state file: the third occurrence is the third.
        try two.start(f)
        try await eventually("two ready", watching: two.process!) { (try? await HTTP.call("GET", two.base + "/readyz"))?.0 == 200 }
        try await eventually("two restored Counted", watching: two.process!, timeout: .seconds(60)) { try await listed(two, "Counted") != nil }
        try await producer.send(topic: ServiceFixture.scans, value: payload, partition: 0)
        try await eventually("two counted the third report", watching: two.process!) { try await listed(two, "Counted")?["occurrences"] as? Int == 3 }
        // Without the count in the changelog two would count 1 of 3 and hold it.
        try await eventually("two notified Counted", watching: two.process!) { notified(f, "Counted") == 1 }
        try await two.settled()
        #expect(notified(f, "Counted") == 1)
    }

    /// The latest value of `key` in the state changelog (nil when there is none yet).
    func changelogValue(_ f: ServiceFixture, key: Data) async throws -> Data? {
        try await changelogValues(f) { $0 == key }[key]
    }

    /// The latest value of each key `wanted` takes in the state changelog.
    func changelogValues(_ f: ServiceFixture, _ wanted: (Data) -> Bool) async throws -> [Data: Data] {
        let reader = try KafkaTopicReader(
            properties: ["bootstrap.servers": f.broker.bootstrapServers], topic: KafkaSettings().changelogTopic, logger: .init(label: "test"))
        let ends = try await reader.assignAll()
        var last: [Data: Data] = [:]
        var seen: [Int32: Int64] = [:]
        let deadline = ContinuousClock.now + .seconds(20)
        while ends.contains(where: { (seen[$0.key] ?? 0) < $0.value }), ContinuousClock.now < deadline {
            for r in try await reader.poll(maxRecords: 1_000, maxWait: .milliseconds(100)) {
                seen[r.partition] = r.offset + 1
                if let key = r.key, wanted(key) { last[key] = r.value }
            }
            // Past transaction markers, which no record shows (a partition ending in one was
            // read until the deadline).
            for (p, position) in reader.positions(of: Array(ends.keys)) { seen[p] = max(seen[p] ?? 0, position) }
        }
        await reader.close()
        return last
    }

    // MARK: A notification decided and not sent is sent by the instance that takes over

    /// The killed instance's state file is gone with it (a container recreated without its
    /// volume): what it decided and could not send yet comes back from the changelog alone.
    @Test func aNotificationNotSentYetIsSentByTheInstanceThatTakesOverAfterAKill() async throws {
        try await takeoverWithTheDefaultConfig(unsentTakeover)
    }

    /// `oneThenTwo` on a two-partition fixture with the default config, on the cluster lane.
    func takeoverWithTheDefaultConfig(_ body: (ServiceFixture, KafkaProducer, Instance, Instance) async throws -> Void) async throws {
        let f = try await ServiceFixture(partitions: 2)
        try await f.run { f in
            try await ClusterLane.exclusive {
                try f.writeConfig()
                try await oneThenTwo(f, body)
            }
        }
    }

    func unsentTakeover(_ f: ServiceFixture, _ producer: KafkaProducer, _ one: Instance, _ two: Instance) async throws {
        try await eventually("one ready", watching: one.process!) { (try? await HTTP.call("GET", one.base + "/readyz"))?.0 == 200 }
        // The receiver answers 503: one's notification waits in its outbox, retried with backoff.
        f.recorder.setMode(.status(503))
        let (payload, fp) = ControlTopicTests.alert("Unsent")
        try await producer.send(topic: ServiceFixture.scans, value: payload, partition: 0)
        let outbox = Outbox(database: try StateDatabase(path: one.state))
        var row: OutboxEntry?
        try await eventually("one queued the webhook notification and tried it", watching: one.process!) {
            row = try outbox.entries().first { $0.receiver == "pager" && $0.attempts > 0 }
            return row != nil
        }
        let key = try #require(row).idempotencyKey
        var carried: OutboxChangelogRecord?
        try await eventually("the unsent notification is in the changelog", watching: one.process!) {
            carried = try await changelogValue(f, key: OutboxChangelogCodec.key(key)).map(OutboxChangelogCodec.decode)
            return carried != nil
        }
        #expect(carried?.outcome == .pending)
        #expect(carried?.fingerprint == fp)
        try await one.process!.stop(signal: SIGKILL)
        #expect(f.webhookAlerts().isEmpty, "nothing reached the receiver yet")

        // A new instance with an empty state file; the receiver answers again.
        f.recorder.setMode(.ok)
        try two.start(f)
        try await eventually("two ready", watching: two.process!) { (try? await HTTP.call("GET", two.base + "/readyz"))?.0 == 200 }
        // Without the row in the changelog two restores the alert but never notifies it.
        try await eventually("two sent what one decided", watching: two.process!, timeout: .seconds(60)) { notified(f, "Unsent") == 1 }
        try await two.settled()
        #expect(notified(f, "Unsent") == 1)
        let sent = try #require(f.recorder.received.first)
        #expect(sent.headers["idempotency-key"] == carried?.queued?.notification.idempotencyKey, "under the key one chose")
        let body = try #require(try JSONSerialization.jsonObject(with: sent.body) as? [String: Any])
        let alert = (body["alerts"] as? [[String: Any]])?.first
        #expect((alert?["labels"] as? [String: String])?["alertname"] == "Unsent", "the content came along")
        // Its outcome goes back to the changelog, so a later owner does not send it again.
        try await eventually("the outcome is in the changelog", watching: two.process!) {
            try await changelogValue(f, key: OutboxChangelogCodec.key(key)).map(OutboxChangelogCodec.decode)?.outcome == .delivered
        }
    }

    /// The killed instance comes back on its file, where the notification is still pending:
    /// the new owner sent it already, so it must not be sent again. Whichever instance owns its
    /// partition after the rebalance, the first learns the outcome from the changelog: by
    /// restoring the partition, or from the reader every instance runs over it.
    @Test func anInstanceBackOnItsFileDoesNotSendAgainWhatTheNewOwnerSent() async throws {
        try await takeoverWithTheDefaultConfig { f, producer, one, two in
            try await unsentTakeover(f, producer, one, two)
            let key = try #require(f.recorder.received.first?.headers["idempotency-key"])
            try one.start(f)
            try await eventually("one ready again", watching: one.process!) { (try? await HTTP.call("GET", one.base + "/readyz"))?.0 == 200 }
            let outbox = Outbox(database: try StateDatabase(path: one.state))
            var status: OutboxEntry.Status?
            try await eventually("one's copy is known delivered", watching: one.process!) {
                status = try outbox.entries().first { $0.notification.idempotencyKey == key && $0.receiver == "pager" }?.status
                return status == .delivered
            }
            try await one.settled()
            try await two.settled()
            let sent = f.recorder.received.filter { $0.headers["idempotency-key"] == key }
            #expect(sent.count == 1, "sent by two only (one's copy: \(status.map { "\($0)" } ?? "?"))")
        }
    }

    // MARK: A resolution is sent by the instance that takes over

    /// The new owner knows from the notification log's shares in the changelog that the alert
    /// was notified firing, so its resolution is sent; without them the group it builds has
    /// nothing notified to resolve and sends nothing.
    @Test func aResolutionIsSentByTheInstanceThatTakesOverAfterAKill() async throws {
        try await takeoverWithTheDefaultConfig(resolutionTakeover)
    }

    /// Webhook alerts of `name` with `status`.
    func notified(_ f: ServiceFixture, _ name: String, status: String) -> Int {
        f.webhookAlerts().filter { ($0["labels"] as? [String: String])?["alertname"] == name && $0["status"] as? String == status }.count
    }

    func resolutionTakeover(_ f: ServiceFixture, _ producer: KafkaProducer, _ one: Instance, _ two: Instance) async throws {
        try await eventually("one ready", watching: one.process!) { (try? await HTTP.call("GET", one.base + "/readyz"))?.0 == 200 }
        let (payload, fp) = ControlTopicTests.alert("Moved")
        try await producer.send(topic: ServiceFixture.scans, value: payload, partition: 0)
        try await eventually("one notified Moved", watching: one.process!) { notified(f, "Moved") == 1 }
        try await eventually("the notification log's share is in the changelog", watching: one.process!) {
            let shares = try await changelogValues(f) { $0.starts(with: Data("nflog/".utf8)) }.values.map(NotificationLogChangelogCodec.decode)
            return shares.contains { $0.entry.firing.contains(fp) }
        }
        try await one.process!.stop(signal: SIGKILL)

        try two.start(f)
        try await eventually("two ready", watching: two.process!) { (try? await HTTP.call("GET", two.base + "/readyz"))?.0 == 200 }
        try await eventually("two restored Moved", watching: two.process!, timeout: .seconds(60)) { try await listed(two, "Moved") != nil }
        let (status, body) = try await HTTP.call("POST", two.base + "/api/v1/alerts/\(fp)/resolve", token: "tok", json: ["comment": "fixed"])
        #expect(status == 200, "\(String(decoding: body, as: UTF8.self))")
        try await eventually("two sent the resolution", watching: two.process!) { notified(f, "Moved", status: "resolved") == 1 }
        try await two.settled()
        #expect(notified(f, "Moved") == 1, "notified firing once, by one")
        #expect(notified(f, "Moved", status: "resolved") == 1)
    }

    // MARK: A record too large for the producer stays local and stops nothing

    /// A notification of a big group, carried with its alerts' content while its receiver is
    /// down, can exceed the producer's `message.max.bytes`; produced, it would fail every
    /// hand-off after it (the batch's alert records and offsets with it).
    @Test func aNotificationTooLargeForTheChangelogStaysLocalAndTheHandOffsGoOn() async throws {
        let f = try await ServiceFixture(partitions: 2)
        try await f.run { f in
            try await ClusterLane.exclusive {
                try f.writeConfig()
                let config = try String(contentsOf: f.configFile, encoding: .utf8)
                try config.replacingOccurrences(of: "heartbeat.interval.ms: \"500\"", with: "heartbeat.interval.ms: \"500\"\n    message.max.bytes: \"131072\"")
                    .write(to: f.configFile, atomically: true, encoding: .utf8)
                try """
                    route:
                      receiver: pager
                      group_by: [alertname]
                      group_wait: 0s
                      group_interval: 1s
                    receivers:
                      - name: pager
                        webhook_configs: [{url: \(f.recorder.url)}]
                    """.write(to: f.routesFile, atomically: true, encoding: .utf8)
                f.recorder.setMode(.status(503))
                let producer = try f.producer()
                let one = try Instance("one", f)
                try one.start(f)
                let outcome = await capture {
                    try await eventually("one ready", watching: one.process!) { (try? await HTTP.call("GET", one.base + "/readyz"))?.0 == 200 }
                    // 800 alerts of one group, each with a 200-character annotation: the group's
                    // notification is over 200 KB, more than the producer takes (131072 bytes).
                    let alerts: [[String: Any]] = (0..<800).map { i in
                        ["status": "firing", "labels": ["alertname": "Big", "id": "\(i)", "severity": "critical"],
                         "annotations": ["summary": String(repeating: "x", count: 200)], "startsAt": Date().formatted(.iso8601)]
                    }
                    let big = try JSONSerialization.data(withJSONObject: ["version": "4", "status": "firing", "receiver": "r", "alerts": alerts])
                    try await producer.send(topic: ServiceFixture.scans, value: big, partition: 0)
                    try await eventually("the big notification was tried", watching: one.process!) {
                        try Outbox(database: try StateDatabase(path: one.state)).entries().contains { $0.attempts > 0 }
                    }
                    // Hand-offs go on: a later alert's state reaches the changelog.
                    let (small, fp) = ControlTopicTests.alert("Small")
                    try await producer.send(topic: ServiceFixture.scans, value: small, partition: 1)
                    try await eventually("a later alert reaches the changelog", watching: one.process!) {
                        try await changelogRecord(f, of: fp) != nil
                    }
                    #expect(try await RollingRestartTests().metric(one, "klaxon_state_changelog_too_large_total") ?? 0 >= 1)
                    // The embedded broker shows aborted records to readers too, so the record
                    // above does not prove its transaction committed; no abort does.
                    #expect(try await RollingRestartTests().metric(one, "klaxon_state_handoffs_aborted_total") == 0)
                }
                try await one.stop()
                try outcome.get()
            }
        }
    }

    // MARK: A running instance takes a killed peer's partitions over

    @Test func aRunningInstanceTakesOverAKilledPeersPartitionsWithTheirState() async throws {
        let f = try await ServiceFixture(partitions: 2)
        try await f.run(takeover)
    }

    func takeover(_ f: ServiceFixture) async throws {
        let producer = try f.producer()
        try await Instance.running(["one", "two"], f) { try await takeover(f, producer, $0[0], $0[1]) }
    }

    /// Alerts by name as `i` lists them: (occurrences, first seen).
    func held(_ i: Instance, prefix: String) async -> [String: (Int, String)] {
        let list = (try? await i.get("/api/v1/alerts")) as? [[String: Any]] ?? []
        var out: [String: (Int, String)] = [:]
        for a in list {
            guard let name = (a["labels"] as? [String: String])?["alertname"], name.hasPrefix(prefix) else { continue }
            out[name] = (a["occurrences"] as? Int ?? 0, a["firstSeenAt"] as? String ?? "")
        }
        return out
    }

    func takeover(_ f: ServiceFixture, _ producer: KafkaProducer, _ one: Instance, _ two: Instance) async throws {
        for i in [one, two] {
            try await eventually("\(i.name) ready", watching: i.process!) { (try? await HTTP.call("GET", i.base + "/readyz"))?.0 == 200 }
        }
        // 120 alerts (low severity: state only), each reported twice, over both input
        // partitions; the two instances split the alerts' partitions between them.
        let names = (0..<120).map { "Takeover-\($0)" }
        let payloads = names.map { ControlTopicTests.alert($0, ["severity": "low"]).payload }
        for round in 0..<2 {
            for (k, p) in payloads.enumerated() { try await producer.send(topic: ServiceFixture.scans, value: p, partition: Int32((k + round) % 2)) }
        }
        var before: [String: (Int, String)] = [:]
        try await eventually("both instances together hold every alert twice", watching: two.process!) {
            let a = await held(one, prefix: "Takeover-"), b = await held(two, prefix: "Takeover-")
            before = a.merging(b) { x, _ in x }
            return a.count + b.count == names.count && before.count == names.count && before.values.allSatisfy { $0.0 == 2 }
        }
        let killedHeld = Set(await held(two, prefix: "Takeover-").keys)
        #expect(!killedHeld.isEmpty && killedHeld.count < names.count, "both instances own some: two holds \(killedHeld.count)")

        // Two dies while a third report of every alert streams in; one, still running, is
        // given two's partitions once the session timeout passes and restores them first.
        for (k, p) in payloads.enumerated() {
            if k == payloads.count / 2 { try await two.process!.stop(signal: SIGKILL) }
            try await producer.send(topic: ServiceFixture.scans, value: p, partition: Int32(k % 2))
        }
        var after: [String: (Int, String)] = [:]
        try await eventually("one holds every alert with its third report", watching: one.process!, timeout: .seconds(90)) {
            after = await held(one, prefix: "Takeover-")
            return after.count == names.count && after.values.allSatisfy { $0.0 >= 3 }
        }
        // The killed instance's alerts kept their history: first seen where two first saw them,
        // and counted on from two's count. At least once, not exactly: on the embedded broker
        // (transactions keep no offsets) input committed only by a plain commit that two had not
        // made yet, or a batch one read again after the rebalance, is applied again and counted
        // (the ingest ledger records how often a message was seen; it does not skip it).
        for name in killedHeld {
            #expect(after[name]?.1 == before[name]?.1, "\(name): first seen \(after[name]?.1 ?? "-"), two saw \(before[name]?.1 ?? "-")")
        }
        let (status, body) = try await HTTP.call("GET", one.base + "/metrics")
        #expect(status == 200)
        let restored = Prometheus.samples(String(decoding: body, as: UTF8.self)).first { $0.name == "klaxon_state_restored_records_total" }?.value ?? 0
        #expect(restored >= Double(killedHeld.count), "one restored \(restored) records; two held \(killedHeld.count) alerts")
    }
}
