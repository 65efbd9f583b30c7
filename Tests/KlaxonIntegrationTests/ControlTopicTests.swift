import Foundation
import KlaxonCore
import KlaxonKafka
import KlaxonStore
import KlaxonTesting
import Testing

/// Silences and false-positive marks made through one `klaxon run` apply on every instance
/// (`docs/scaling.md`, *Cluster-wide state*): two real processes in one consumer group split a
/// two-partition input and the partitions of `klaxon.alerts` (alerts are owned by fingerprint,
/// whichever instance decoded them); the control topic on the embedded broker carries what the
/// API of either writes.
@Suite(.serialized, .stopsServers) struct ControlTopicTests {
    /// One `klaxon run` with its own state file and API port.
    final class Instance: @unchecked Sendable {
        // @unchecked: used from one test task.
        let name: String
        let port: Int
        let config: URL
        let state: String
        var process: ChildProcess?
        var base: String { "http://127.0.0.1:\(port)" }

        init(_ name: String, _ f: ServiceFixture, state: String? = nil) throws {
            self.name = name
            port = try freePort()
            config = f.dir.appendingPathComponent("klaxon-\(name).yml")
            self.state = state ?? f.dir.appendingPathComponent("\(name).db").path
            // The fixture's config with this instance's state file and port.
            let shared = try String(contentsOf: f.configFile, encoding: .utf8)
            try shared.replacingOccurrences(of: "path: \(f.statePath)", with: "path: \(self.state)")
                .appending("\nhttp:\n  listen: 127.0.0.1:\(port)\n")
                .write(to: config, atomically: true, encoding: .utf8)
        }

        func start(_ f: ServiceFixture) throws {
            process = try ChildProcess(Tools.klaxon, ["run", "--config", config.path], environment: ["KLAXON_API_TOKEN": "tok"], in: f.dir)
        }

        func stop() async throws {
            if let p = process { _ = try await p.stop() }
            process = nil
        }

        /// Starts one instance per name on the fixture's config, runs `body`, then stops them
        /// all, whatever `body` threw (a failure is rethrown after the stops). One such scenario
        /// runs at a time in the whole test run (`ClusterLane`).
        static func running(_ names: [String], _ f: ServiceFixture, routes: String? = nil, _ body: ([Instance]) async throws -> Void) async throws {
            try await ClusterLane.exclusive {
                try f.writeConfig(routes: routes)
                let instances = try names.map { try Instance($0, f) }
                for i in instances { try i.start(f) }
                let outcome = await capture { try await body(instances) }
                for i in instances { try await i.stop() }
                try outcome.get()
            }
        }

        /// Two `klaxon run` on a fresh two-partition fixture whose routes add `routesExtra` (one
        /// cluster scenario at a time), stopped whatever `body` threw.
        static func two(routesExtra: String, _ body: @escaping (ServiceFixture, KafkaProducer, Instance, Instance) async throws -> Void) async throws {
            let f = try await ServiceFixture(partitions: 2)
            try await f.run { f in
                try await ClusterLane.exclusive {
                    try f.writeConfig(routesExtra: routesExtra)
                    let producer = try f.producer()
                    let instances = [try Instance("one", f), try Instance("two", f)]
                    for i in instances { try i.start(f) }
                    let outcome = await capture { try await body(f, producer, instances[0], instances[1]) }
                    for i in instances { try await i.stop() }
                    try outcome.get()
                }
            }
        }

        func get(_ path: String) async throws -> Any? {
            let (status, body) = try await HTTP.call("GET", base + path)
            guard status == 200 else { return nil }
            return try JSONSerialization.jsonObject(with: body)
        }

        /// The alert names this instance holds (consumed from its partitions).
        func alertNames() async throws -> Set<String> {
            let list = (try? await get("/api/v1/alerts")) as? [[String: Any]] ?? []
            return Set(list.compactMap { ($0["labels"] as? [String: String])?["alertname"] })
        }

        func silenceState(_ id: String) async throws -> String? {
            (((try? await get("/api/v1/silences/\(id)")) as? [String: Any])?["status"] as? [String: Any])?["state"] as? String
        }

        func falsePositives() async throws -> Set<String> {
            let list = (try? await get("/api/v1/false-positives")) as? [[String: Any]] ?? []
            return Set(list.compactMap { $0["fingerprint"] as? String })
        }

        /// Every change consumed has been through a flush and every queued notification left
        /// the outbox: from here nothing more is sent until new input arrives.
        func settled() async throws {
            let outbox = Outbox(database: try StateDatabase(path: state))
            try await eventually("\(name) flushed and delivered everything", watching: process!) {
                guard let (status, body) = try? await HTTP.call("GET", base + "/metrics"), status == 200 else { return false }
                let changed = Prometheus.samples(String(decoding: body, as: UTF8.self)).first { $0.name == "klaxon_aggregation_groups_changed" }?.value
                guard changed == 0 else { return false }
                return try outbox.pendingCounts().values.reduce(0, +) == 0
            }
        }
    }

    /// An Alertmanager webhook payload with one critical alert (routed to the recorder).
    static func alert(_ name: String, _ extra: [String: String] = [:]) -> (payload: Data, fingerprint: Fingerprint) {
        let labels = ["alertname": name, "severity": "critical"].merging(extra) { _, new in new }
        let body: [String: Any] = [
            "version": "4", "status": "firing", "receiver": "r",
            "alerts": [["status": "firing", "labels": labels, "startsAt": Date().formatted(.iso8601)]],
        ]
        return (try! JSONSerialization.data(withJSONObject: body), Fingerprint(labels: labels))
    }

    @Test func aSilenceOrMarkThroughOneInstanceAppliesOnTheInstanceThatOwnsTheAlert() async throws {
        let f = try await ServiceFixture(partitions: 2)
        try await f.run(scenario)
    }

    func scenario(_ f: ServiceFixture) async throws {
        let producer = try f.producer()
        try await Instance.running(["one", "two"], f) { try await run(f, producer, $0[0], $0[1]) }
    }

    static let partitioner = StatePartitioner(partitions: KafkaSettings().alertsPartitions)

    /// Which instance holds the alerts of each `klaxon.alerts` partition, found with probes of
    /// low severity (never notified) sent over both input partitions: an alert is owned by its
    /// fingerprint's partition, whichever instance decoded it.
    func probeOwners(_ f: ServiceFixture, _ producer: KafkaProducer, _ instances: [Instance], probe: String) async throws -> [Int32: Instance] {
        let probes = (0..<48).map { Self.alert("\(probe)\($0)", ["severity": "low"]) }
        for (k, p) in probes.enumerated() { try await producer.send(topic: ServiceFixture.scans, value: p.payload, partition: Int32(k % 2)) }
        var owners: [Int32: Instance] = [:]
        try await eventually("every probe held by one instance") {
            var held = 0
            for i in instances {
                let names = try await i.alertNames()
                for (k, p) in probes.enumerated() where names.contains("\(probe)\(k)") {
                    owners[Self.partitioner.partition(of: p.fingerprint)] = i
                    held += 1
                }
            }
            return held == probes.count
        }
        return owners
    }

    /// `base`, or `base-k` for the first k, whose alert lands on a partition `owner` holds.
    func name(_ base: String, _ extra: [String: String] = [:], ownedBy owner: Instance, in owners: [Int32: Instance]) -> String {
        for k in 0... {
            let name = k == 0 ? base : "\(base)-\(k)"
            if owners[Self.partitioner.partition(of: Self.alert(name, extra).fingerprint)] === owner { return name }
        }
        fatalError("unreachable")
    }

    func webhookNames(_ f: ServiceFixture) -> Set<String> {
        Set(f.webhookAlerts().compactMap { ($0["labels"] as? [String: String])?["alertname"] })
    }

    func run(_ f: ServiceFixture, _ producer: KafkaProducer, _ one: Instance, _ two: Instance) async throws {
        for i in [one, two] {
            try await eventually("\(i.name) ready", watching: i.process!) { (try? await HTTP.call("GET", i.base + "/readyz"))?.0 == 200 }
        }
        // Each instance owns half of klaxon.alerts' partitions; B is the owner of the first probe.
        let owners = try await probeOwners(f, producer, [one, two], probe: "Probe")
        let b = try #require(owners.values.first)
        let a = b === one ? two : one
        try #require(owners.values.contains { $0 === a }, "two owners: \(owners.mapValues(\.name))")
        let muted = name("Muted", ownedBy: b, in: owners), loud = name("Loud", ownedBy: b, in: owners)

        // A silence through A: read back at once on A, applied by B.
        let (status, created) = try await HTTP.call(
            "POST", a.base + "/api/v1/silences", token: "tok",
            json: ["matchers": [#"alertname=~"Muted.*""#], "endsAt": Date().addingTimeInterval(3600).formatted(.iso8601), "createdBy": "alice", "comment": "maintenance"])
        #expect(status == 200, "\(String(decoding: created, as: UTF8.self))")
        let silence = try #require(HTTP.object(created)["silenceID"] as? String)
        #expect(try await a.silenceState(silence) == "active", "read-your-writes on the instance written through")
        try await eventually("B applied the silence", watching: b.process!) { try await b.silenceState(silence) == "active" }

        // Muted then Loud, owned by B, sent to both input partitions (A decodes one of them):
        // Loud (another group) is sent, Muted is not.
        for p: Int32 in [0, 1] {
            try await producer.send(topic: ServiceFixture.scans, value: Self.alert(muted).payload, partition: p)
            try await producer.send(topic: ServiceFixture.scans, value: Self.alert(loud).payload, partition: p)
        }
        try await eventually("B notified \(loud)", watching: b.process!) { webhookNames(f).contains(loud) }
        try await eventually("B holds both", watching: b.process!) { try await b.alertNames().isSuperset(of: [muted, loud]) }
        try await b.settled()
        #expect(try await a.alertNames().isDisjoint(with: [muted, loud]), "A holds none of B's alerts, though it decoded them")
        #expect(!webhookNames(f).contains(muted), "the silence made through A muted B's alert")
        let listed = (try await b.get("/api/v1/alerts")) as? [[String: Any]] ?? []
        let mutedAlert = listed.first { ($0["labels"] as? [String: String])?["alertname"] == muted }
        #expect(mutedAlert?["silencedBy"] as? [String] == [silence], "B names A's silence: \(String(describing: mutedAlert))")

        // A false-positive mark through A (the alert is not A's) applies on B's noise gate.
        let markedName = name("Marked", ownedBy: b, in: owners)
        let marked = Self.alert(markedName)
        let loud2 = name("LoudAgain", ownedBy: b, in: owners)
        let (markStatus, markBody) = try await HTTP.call(
            "POST", a.base + "/api/v1/alerts/\(marked.fingerprint)/false-positive", token: "tok", json: ["reason": "lab host", "by": "bob"])
        #expect(markStatus == 200, "\(String(decoding: markBody, as: UTF8.self))")
        #expect(try await a.falsePositives().contains(marked.fingerprint.description), "read-your-writes")
        try await eventually("B applied the mark", watching: b.process!) { try await b.falsePositives().contains(marked.fingerprint.description) }
        try await producer.send(topic: ServiceFixture.scans, value: marked.payload, partition: 0)
        try await producer.send(topic: ServiceFixture.scans, value: Self.alert(loud2).payload, partition: 1)
        // The two went through different input partitions, maybe different ingest instances:
        // wait for both to be held.
        try await eventually("B notified \(loud2)", watching: b.process!) { webhookNames(f).contains(loud2) }
        try await eventually("B holds \(markedName)", watching: b.process!) { try await b.alertNames().contains(markedName) }
        try await b.settled()
        #expect(!webhookNames(f).contains(markedName), "the mark made through A suppressed B's alert")

        // A new instance with an empty state file replays the topic: the silence and the mark
        // are there, and it mutes with them.
        try await b.stop()
        let fresh = try Instance("fresh", f)
        try fresh.start(f)
        let later = await capture {
            try await eventually("the fresh instance ready", watching: fresh.process!) { (try? await HTTP.call("GET", fresh.base + "/readyz"))?.0 == 200 }
            #expect(try await fresh.silenceState(silence) == "active", "replayed from the control topic")
            #expect(try await fresh.falsePositives().contains(marked.fingerprint.description))
            let now = try await probeOwners(f, producer, [a, fresh], probe: "Again")
            try #require(now.values.contains { $0 === fresh }, "the fresh instance holds a partition")
            let muted2 = name("Muted", ["instance": "2"], ownedBy: fresh, in: now), loud3 = name("LoudFresh", ownedBy: fresh, in: now)
            try await producer.send(topic: ServiceFixture.scans, value: Self.alert(muted2, ["instance": "2"]).payload, partition: 0)
            try await producer.send(topic: ServiceFixture.scans, value: Self.alert(loud3).payload, partition: 1)
            try await eventually("the fresh instance notified \(loud3)", watching: fresh.process!) { webhookNames(f).contains(loud3) }
            try await eventually("the fresh instance holds \(muted2)", watching: fresh.process!) { try await fresh.alertNames().contains(muted2) }
            try await fresh.settled()
            #expect(f.webhookAlerts().allSatisfy { ($0["labels"] as? [String: String])?["alertname"]?.hasPrefix("Muted") != true })

            // Expiring through A reaches the fresh instance too.
            let (expired, _) = try await HTTP.call("DELETE", a.base + "/api/v1/silences/\(silence)", token: "tok")
            #expect(expired == 200)
            #expect(try await a.silenceState(silence) == "expired")
            try await eventually("the expiry applied on the fresh instance", watching: fresh.process!) { try await fresh.silenceState(silence) == "expired" }
        }
        try await fresh.stop()
        try later.get()
    }
}
