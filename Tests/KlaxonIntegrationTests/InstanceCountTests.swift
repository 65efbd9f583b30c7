import Foundation
import GRDB
import KlaxonKafka
import KlaxonTesting
import Testing

/// Issue #14's "N instances send what one instance sends", for what today's topology owns
/// (docs/scaling.md): the same input — distinct alerts, copies of them, Trivy reports over six
/// partitions and then complete re-scans that no longer list some findings — through one
/// `klaxon run` and through three in one group, each on a broker of its own. The webhook gets
/// the same set of notifications: group keys, statuses, alert sets and idempotency keys. Each
/// alert is a group of its own (the fixture's `group_by: ['...']`);
/// `threeInstancesSendWhatOneSendsForGroupsThatSpanPartitions` groups alerts of every partition.
@Suite(.serialized, .stopsServers) struct InstanceCountTests {
    typealias Instance = ControlTopicTests.Instance

    /// One notification as the webhook got it.
    struct Sent: Hashable, CustomStringConvertible {
        var groupKey: String
        var status: String
        var firing: [String]
        var resolved: [String]
        var key: String
        var description: String { "\(status) \(groupKey) +\(firing.count) -\(resolved.count) [\(key)]" }
    }

    @Test func threeInstancesSendWhatOneSends() async throws {
        let one = try await run(instances: 1)
        let three = try await run(instances: 3)
        #expect(one.count >= 600 + 160 + 80, "firing alerts and scan findings, then the re-scans' resolutions: \(one.count)")
        let onlyOne = one.subtracting(three), onlyThree = three.subtracting(one)
        #expect(onlyOne.isEmpty && onlyThree.isEmpty,
                "only with one: \(onlyOne.count) \(onlyOne.prefix(3)); only with three: \(onlyThree.count) \(onlyThree.prefix(3))")
    }

    /// The same with groups that span partitions, at scale (issue #14's proof): 10,016 input
    /// messages over six partitions — 8,600 alerts of ten teams, 1,400 copies of them, 16 image
    /// scans of 25 findings — grouped by `team`, so each team's group holds alerts of every
    /// `klaxon.alerts` partition and the findings share one group too; then complete re-scans
    /// that no longer list 10 findings each. The input is on the topic before the instances
    /// start and `group_wait` is long enough for all of it to be applied first, so each group's
    /// first notification lists all of its alerts and its resolutions come in one later flush:
    /// one instance and three must send the same notifications, a group's alerts together.
    @Test func threeInstancesSendWhatOneSendsForGroupsThatSpanPartitions() async throws {
        let (one, toldOne, requestsOne) = try await runSpanning(instances: 1)
        let (three, toldThree, requestsThree) = try await runSpanning(instances: 3)
        // No crash here, so nothing is sent twice, not even under one key.
        #expect(requestsOne == one.count && requestsThree == three.count, "requests: \(requestsOne), \(requestsThree)")
        // A group owner tells the owners of its alerts they were notified (their time to notify
        // and escalation start from it); one instance owns both and tells nobody.
        #expect(toldOne == 0)
        #expect(toldThree > 0, "no first notification reached another instance's alert owner")
        let groups = Set(one.map(\.groupKey))
        #expect(groups.count == 11, "ten teams' groups and the findings' group: \(groups.sorted())")
        // A first notification per group, all of its alerts together, and the findings' group
        // once more with its 160 resolutions (and the findings still firing).
        #expect(one.count == 12 && one.filter(\.resolved.isEmpty).count == 11, "\(one.sorted { $0.description < $1.description })")
        #expect(Set(one.flatMap(\.firing)).count == 8_600 + 400)
        #expect(Set(one.flatMap(\.resolved)).count == 160)
        let onlyOne = one.subtracting(three), onlyThree = three.subtracting(one)
        #expect(onlyOne.isEmpty && onlyThree.isEmpty,
                "only with one: \(onlyOne.count) \(onlyOne.prefix(3)); only with three: \(onlyThree.count) \(onlyThree.prefix(3))")
    }

    /// The notifications sent, how many `notified` commands the owners applied, and how many
    /// requests the webhook got.
    func runSpanning(instances: Int) async throws -> (Set<Sent>, Double, Int) {
        let f = try await ServiceFixture(partitions: 6)
        let routes = """
            route:
              receiver: pager
              group_by: ['team']
              group_wait: 40s
              group_interval: 20s
              repeat_interval: 4h
            receivers:
              - name: pager
                webhook_configs:
                  - url: \(f.recorder.url)
            """
        var sent: Set<Sent> = []
        var told = 0.0
        var requests = 0
        try await f.run { f in
            let producer = try f.producer()
            func send(_ values: [(Data, Int32)]) async throws {
                _ = try await producer.sendAll(topic: ServiceFixture.scans, values.map { KafkaMessage(value: $0.0, partition: $0.1) })
            }
            let alerts = (0..<8_600).map { ControlTopicTests.alert("Span-\($0)", ["team": "t\($0 % 10)"]).payload }
            try await send(alerts.enumerated().map { ($0.element, Int32($0.offset % 6)) })
            try await send(stride(from: 0, to: 8_400, by: 6).map { (alerts[$0], Int32(($0 + 1) % 6)) })
            try await send(try (0..<16).map { (try scan($0, findings: 25), Int32($0 % 6)) })
            try await Instance.running((0..<instances).map { "i\($0)" }, f, routes: routes) { all in
                let log = SentLog(f)
                try await eventually("every alert and finding notified", timeout: .seconds(180)) {
                    Set(log.read().filter { $0.status == "firing" }.flatMap(\.firing)).count >= 8_600 + 400
                }
                for i in all { try await i.settled() }
                for image in 0..<16 { try await producer.send(topic: ServiceFixture.scans, value: try scan(image, findings: 15), partition: Int32((image + 3) % 6)) }
                try await eventually("every finding the re-scans dropped resolved", timeout: .seconds(120)) {
                    Set(log.read().flatMap(\.resolved)).count >= 160
                }
                for i in all { try await i.settled() }
                sent = Set(log.read())
                requests = log.read().count
                // Every alert's first notification is recorded on some instance's file: its
                // owner's, told by the group's owner where that is another instance.
                var notified: Set<String> = []
                for i in all {
                    notified.formUnion(try await DatabaseQueue(path: i.state).read { try String.fetchAll($0, sql: "SELECT fingerprint FROM alert WHERE notified_at IS NOT NULL") })
                    let (_, body) = try await HTTP.call("GET", i.base + "/metrics")
                    told += Prometheus.samples(String(decoding: body, as: UTF8.self)).first {
                        $0.name == "klaxon_state_commands_total" && $0.labels.contains(#"action="notified""#) && $0.labels.contains(#"outcome="applied""#)
                    }?.value ?? 0
                }
                let firing = Set(sent.flatMap(\.firing))
                let unrecorded = firing.subtracting(notified)
                #expect(unrecorded.isEmpty, "alerts whose first notification no owner recorded: \(unrecorded.count), \(unrecorded.prefix(3))")
            }
        }
        return (sent, told, requests)
    }

    /// Runs `instances` instances on a fresh broker over the same input; the notifications sent.
    func run(instances: Int) async throws -> Set<Sent> {
        let f = try await ServiceFixture(partitions: 6)
        var sent: Set<Sent> = []
        try await f.run { f in
            let producer = try f.producer()
            try await Instance.running((0..<instances).map { "i\($0)" }, f) { all in
                for i in all {
                    try await eventually("\(i.name) ready", watching: i.process!) { (try? await HTTP.call("GET", i.base + "/readyz"))?.0 == 200 }
                }
                // 600 distinct alerts on all six partitions, 200 copies of them, and 8 images'
                // scans of 20 critical or high findings each.
                let alerts = (0..<600).map { ControlTopicTests.alert("Same-\($0)").payload }
                for (k, p) in alerts.enumerated() { try await producer.send(topic: ServiceFixture.scans, value: p, partition: Int32(k % 6)) }
                for k in stride(from: 0, to: 600, by: 3) { try await producer.send(topic: ServiceFixture.scans, value: alerts[k], partition: Int32((k + 1) % 6)) }
                for image in 0..<8 { try await producer.send(topic: ServiceFixture.scans, value: try scan(image, findings: 20), partition: Int32(image % 6)) }
                let log = SentLog(f)
                try await eventually("every alert and finding notified", timeout: .seconds(120)) {
                    Set(log.read().filter { $0.status == "firing" }.flatMap(\.firing)).count >= 600 + 160
                }
                for i in all { try await i.settled() }
                // Complete re-scans without 10 findings each: their owners resolve them.
                for image in 0..<8 { try await producer.send(topic: ServiceFixture.scans, value: try scan(image, findings: 10), partition: Int32((image + 3) % 6)) }
                try await eventually("every finding the re-scans dropped resolved", timeout: .seconds(120)) {
                    Set(log.read().flatMap(\.resolved)).count >= 80
                }
                for i in all { try await i.settled() }
                sent = Set(log.read())
            }
        }
        return sent
    }

    /// A complete Trivy report of image `image` listing its first `findings` vulnerabilities.
    func scan(_ image: Int, findings: Int) throws -> Data {
        let name = "registry.example.com/same/app\(image):1.0"
        let vulnerabilities: [[String: Any]] = (0..<findings).map { v in
            ["VulnerabilityID": "CVE-2026-\(1000 + v)", "PkgName": "lib\(v)", "InstalledVersion": "1.0.0", "FixedVersion": "1.0.1",
             "Severity": v % 2 == 0 ? "CRITICAL" : "HIGH", "Title": "lib\(v) flaw"]
        }
        return try JSONSerialization.data(withJSONObject: [
            "SchemaVersion": 2, "CreatedAt": "2026-12-01T10:00:00Z", "ArtifactName": name, "ArtifactType": "container_image",
            "Metadata": ["RepoTags": [name], "RepoDigests": ["registry.example.com/same/app\(image)@sha256:" + String(format: "%064x", image)]],
            "Results": [["Target": "\(name) (debian 12)", "Class": "os-pkgs", "Type": "debian", "Vulnerabilities": vulnerabilities]],
        ])
    }

    /// The webhook's requests as `Sent`, each parsed once however often a test polls: parsing
    /// them all at every poll kept a thread of the test process's small pool busy, which
    /// starved other tests' in-process receivers.
    final class SentLog: @unchecked Sendable {
        // @unchecked: read from one test task.
        private let f: ServiceFixture
        private var read_ = 0
        private var sent: [Sent] = []

        init(_ f: ServiceFixture) { self.f = f }

        func read() -> [Sent] {
            let received = f.recorder.received
            for r in received.dropFirst(read_) {
                guard let body = (try? JSONSerialization.jsonObject(with: r.body)) as? [String: Any] else { continue }
                let alerts = body["alerts"] as? [[String: Any]] ?? []
                func ids(_ status: String) -> [String] {
                    alerts.filter { $0["status"] as? String == status }.compactMap { $0["fingerprint"] as? String }.sorted()
                }
                sent.append(Sent(
                    groupKey: body["groupKey"] as? String ?? "", status: body["status"] as? String ?? "", firing: ids("firing"),
                    resolved: ids("resolved"), key: r.headers["idempotency-key"] ?? ""))
            }
            read_ = received.count
            return sent
        }
    }
}
