import Foundation
import KlaxonCore
import KlaxonKafka
import KlaxonTesting
import Testing

/// Grouping follows partition ownership (issue #14): a group lives on the `klaxon.alerts`
/// partition of its key; when that partition moves, the group leaves the old owner without a
/// notification and the new owner builds it again — from the alerts it owns and those the state
/// changelog shows — and goes on repeating it from the notification log it restored.
@Suite(.serialized, .stopsServers) struct GroupHandOverTests {
    typealias Instance = ControlTopicTests.Instance

    /// Short enough to see several repeats; each alert is its own group.
    static let repeatSeconds = 6

    /// A second instance joins and the groups split; the first is killed and the second, on
    /// an empty file, takes its partitions and their groups over from the changelog.
    @Test func groupsFollowTheirAlertsToTheInstanceThatOwnsThem() async throws {
        try await handOver(killingTheFirst: true)
    }

    /// The instance that joined is killed and the first one gets its partitions back: it holds
    /// their alerts from before (the restore reads only what changed since), and groups them again.
    @Test func partitionsGivenBackAreGroupedAgain() async throws {
        try await handOver(killingTheFirst: false)
    }

    func handOver(killingTheFirst: Bool) async throws {
        let f = try await ServiceFixture(partitions: 2)
        try await f.run { f in
            try await ClusterLane.exclusive {
                try f.writeConfig()
                try Self.writeRoutes(f)
                let producer = try f.producer()
                let (one, two) = (try Instance("one", f), try Instance("two", f))
                try one.start(f)
                let outcome = await capture { try await handOver(f, producer, one, two, killingTheFirst: killingTheFirst) }
                try await one.stop()
                try await two.stop()
                try outcome.get()
            }
        }
    }

    /// More instances than `klaxon.alerts` partitions (one, here): the group gives a member
    /// none. An instance back on its file, whose groups the partition's new owner notifies now,
    /// lets go of them rather than notifying them too; the owner repeats each alert once.
    @Test func anInstanceGivenNoPartitionLetsGoOfItsGroups() async throws {
        let f = try await ServiceFixture(partitions: 2)
        try await f.run { f in
            try await ClusterLane.exclusive {
                try f.writeConfig()
                try Self.writeRoutes(f)
                // One partition each, on topics of their own (the fixture's have twelve).
                let (alerts, changelog) = ("klaxon.alerts.one", "klaxon.changelog.one")
                try f.broker.createTopic(alerts, partitions: 1)
                try f.broker.createTopic(changelog, partitions: 1)
                // A sticky assignor, so a member that joins is given nothing while the other holds the partition.
                let (one, two) = (try Instance("one", f), try Instance("two", f))
                for i in [one, two] {
                    let text = try String(contentsOf: i.config, encoding: .utf8)
                        .replacingOccurrences(of: "  batch:\n", with: "  alerts_topic: \(alerts)\n  changelog_topic: \(changelog)\n  alerts_partitions: 1\n  batch:\n")
                        .replacingOccurrences(of: "  properties:\n", with: "  properties:\n    partition.assignment.strategy: cooperative-sticky\n")
                    try text.write(to: i.config, atomically: true, encoding: .utf8)
                }
                let producer = try f.producer()
                try one.start(f)
                let outcome = await capture { try await givenNothing(f, producer, one, two) }
                try await one.stop()
                try await two.stop()
                try outcome.get()
            }
        }
    }

    func givenNothing(_ f: ServiceFixture, _ producer: KafkaProducer, _ one: Instance, _ two: Instance) async throws {
        let names = Set((0..<3).map { "Lonely\($0)" })
        try await eventually("one ready", watching: one.process!) { (try? await HTTP.call("GET", one.base + "/readyz"))?.0 == 200 }
        for (k, name) in names.sorted().enumerated() {
            try await producer.send(topic: ServiceFixture.scans, value: ControlTopicTests.alert(name).payload, partition: Int32(k % 2))
        }
        try await eventually("one notified and groups every alert", watching: one.process!) {
            let groups = await metric(one, "klaxon_aggregation_groups")
            return Set(sent(f).map(\.alert)) == names && groups == Double(names.count)
        }

        // Two joins and is given nothing; one leaves and two takes the partition and its
        // groups over; one comes back on its file, which holds the groups, and is given nothing.
        try two.start(f)
        try await eventually("one keeps the partition, two is given none", watching: two.process!, timeout: .seconds(60)) {
            let owned = [await metric(one, "klaxon_state_owned_partitions"), await metric(two, "klaxon_state_owned_partitions")]
            return owned == [1, 0]
        }
        try await one.stop()
        try await eventually("two owns the partition and groups every alert", watching: two.process!, timeout: .seconds(60)) {
            let (owned, groups) = (await metric(two, "klaxon_state_owned_partitions"), await metric(two, "klaxon_aggregation_groups"))
            return owned == 1 && groups == Double(names.count)
        }
        try one.start(f)
        try await eventually("one is back and given none", watching: one.process!, timeout: .seconds(60)) {
            one.process!.stderr.contains("partitions= [KlaxonKafka] partitions assigned")
        }
        #expect(await metric(two, "klaxon_state_owned_partitions") == 1)
        try await eventually("one let go of its groups and two holds them", watching: one.process!) {
            let groups = [await metric(one, "klaxon_aggregation_groups"), await metric(two, "klaxon_aggregation_groups")]
            return groups == [0, Double(names.count)]
        }
        // Its file's copies are stale: two lists and counts them.
        let (oneLists, twoLists) = (try await one.alertNames(), try await two.alertNames())
        #expect(oneLists.isDisjoint(with: names) && twoLists.isSuperset(of: names), "one lists \(oneLists), two \(twoLists)")
        let counted = [await firing(one), await firing(two)]
        #expect(counted == [0, Double(names.count)], "one and two count \(counted)")
        // One sender: two would repeat each alert twice within one repeat interval.
        let since = Int(Date().timeIntervalSince1970) + 1
        var repeats: [String: [Int]] = [:]
        try await eventually("every alert repeated twice since", watching: two.process!, timeout: .seconds(60)) {
            repeats = Dictionary(grouping: sent(f).compactMap { s in s.repeatedAt.flatMap { $0 >= since ? (s.alert, $0) : nil } }, by: \.0)
                .mapValues { $0.map(\.1).sorted() }
            return names.allSatisfy { (repeats[$0]?.count ?? 0) >= 2 }
        }
        for (name, times) in repeats {
            #expect(zip(times.dropFirst(), times).allSatisfy { $0 - $1 >= Self.repeatSeconds }, "\(name) repeated by both instances: \(times)")
        }
    }

    static func writeRoutes(_ f: ServiceFixture) throws {
        try """
            route:
              receiver: pager
              group_by: ['...']
              group_wait: 0s
              group_interval: 1s
              repeat_interval: \(Self.repeatSeconds)s
            receivers:
              - name: pager
                webhook_configs: [{url: \(f.recorder.url)}]
            """.write(to: f.routesFile, atomically: true, encoding: .utf8)
    }

    /// One alert on each `klaxon.alerts` partition, so each instance owns some.
    static func onePerPartition() -> [(name: String, payload: Data)] {
        var out: [Int32: (String, Data)] = [:]
        var k = 0
        while out.count < ControlTopicTests.partitioner.partitions {
            let (payload, fp) = ControlTopicTests.alert("Moving\(k)")
            let p = ControlTopicTests.partitioner.partition(of: fp)
            if out[p] == nil { out[p] = ("Moving\(k)", payload) }
            k += 1
        }
        return out.values.map { (name: $0.0, payload: $0.1) }
    }

    /// A webhook request as this test reads it: its alert and, for a repeat, the flush time
    /// the idempotency key carries (`…/repeat-<unix seconds>`).
    struct Sent {
        var alert: String
        var repeatedAt: Int?
        var key: String
        var groupKey: String
    }

    func sent(_ f: ServiceFixture) -> [Sent] {
        f.recorder.received.compactMap { r in
            let body = (try? JSONSerialization.jsonObject(with: r.body)) as? [String: Any]
            guard body?["status"] as? String == "firing",
                let name = ((body?["alerts"] as? [[String: Any]])?.first?["labels"] as? [String: String])?["alertname"]
            else { return nil }
            let key = r.headers["idempotency-key"] ?? ""
            let repeated = key.range(of: "/repeat-").flatMap { Int(key[$0.upperBound...]) }
            return Sent(alert: name, repeatedAt: repeated, key: key, groupKey: body?["groupKey"] as? String ?? "")
        }
    }

    /// The firing alerts the instance counts (`klaxon_alerts`, summed over severity and source).
    func firing(_ i: Instance) async -> Double? {
        guard let (status, body) = try? await HTTP.call("GET", i.base + "/metrics"), status == 200 else { return nil }
        return Prometheus.samples(String(decoding: body, as: UTF8.self))
            .filter { $0.name == "klaxon_alerts" && $0.labels.contains("status=\"firing\"") }.map(\.value).reduce(0, +)
    }

    func metric(_ i: Instance, _ name: String) async -> Double? {
        guard let (status, body) = try? await HTTP.call("GET", i.base + "/metrics"), status == 200 else { return nil }
        return Prometheus.samples(String(decoding: body, as: UTF8.self)).first { $0.name == name }?.value
    }

    func handOver(_ f: ServiceFixture, _ producer: KafkaProducer, _ one: Instance, _ two: Instance, killingTheFirst: Bool) async throws {
        let alerts = Self.onePerPartition()
        let names = Set(alerts.map(\.name))
        try await eventually("one ready", watching: one.process!) { (try? await HTTP.call("GET", one.base + "/readyz"))?.0 == 200 }
        for (k, a) in alerts.enumerated() { try await producer.send(topic: ServiceFixture.scans, value: a.payload, partition: Int32(k % 2)) }
        try await eventually("one notified every alert", watching: one.process!) {
            Set(sent(f).map(\.alert)) == names
        }
        try await eventually("one groups every alert", watching: one.process!) {
            await metric(one, "klaxon_aggregation_groups") == Double(alerts.count)
        }

        // Two joins: the partitions split, and so do the groups.
        try two.start(f)
        try await eventually("each instance owns half the partitions", watching: two.process!, timeout: .seconds(60)) {
            let owned = [await metric(one, "klaxon_state_owned_partitions"), await metric(two, "klaxon_state_owned_partitions")]
            return owned == [6, 6]
        }
        var moved: Set<String> = []
        let partitioner = ControlTopicTests.partitioner
        let groupKeys = Dictionary(sent(f).map { ($0.alert, $0.groupKey) }, uniquingKeysWith: { a, _ in a })
        var twoGroups = 0
        try await eventually("the groups follow their keys' partitions", watching: two.process!) {
            // Two's state file holds only what it restored: the alerts of its partitions, one each.
            moved = try await two.alertNames().intersection(names)
            let twoOwns = Set(moved.map { partitioner.partition(of: ControlTopicTests.alert($0).fingerprint) })
            twoGroups = names.filter { twoOwns.contains(partitioner.partition(ofGroup: GroupKey(groupKeys[$0] ?? ""))) }.count
            let groups = [await metric(one, "klaxon_aggregation_groups"), await metric(two, "klaxon_aggregation_groups")]
            return moved.count == 6 && groups == [Double(alerts.count - twoGroups), Double(twoGroups)]
        }
        // Some alerts are owned by one instance and grouped by the other (else this shows
        // nothing a group keyed by its alert's partition would not).
        let crossing = names.filter { n in
            partitioner.partition(of: ControlTopicTests.alert(n).fingerprint) != partitioner.partition(ofGroup: GroupKey(groupKeys[n] ?? ""))
        }
        #expect(!crossing.isEmpty && twoGroups > 0 && twoGroups < alerts.count, "\(twoGroups) of \(alerts.count) groups on two; \(crossing.count) cross")

        // Each lists and counts the alerts it owns: one's file still holds two's, stale, and
        // leaves them to two (the cluster's sum of `klaxon_alerts` counts each alert once).
        var listed: Set<String> = []
        try await eventually("one lists only the alerts it kept", watching: one.process!) {
            listed = try await one.alertNames().intersection(names)
            return listed == names.subtracting(moved)
        }
        let counted = [await firing(one), await firing(two)]
        #expect(counted == [Double(alerts.count - moved.count), Double(moved.count)], "one and two count \(counted); two owns \(moved.count)")

        // Each alert is repeated by one instance only: two senders would repeat it twice within
        // one repeat interval. Counted from now on, past the hand-over.
        let since = Int(Date().timeIntervalSince1970) + 1
        func repeats(from: Int) -> [String: [Int]] {
            Dictionary(grouping: sent(f).compactMap { s in s.repeatedAt.flatMap { $0 >= from ? (s.alert, $0) : nil } }, by: \.0)
                .mapValues { $0.map(\.1).sorted() }
        }
        try await eventually("every alert repeated twice after the hand-over", watching: two.process!, timeout: .seconds(60)) {
            let r = repeats(from: since)
            return names.allSatisfy { (r[$0]?.count ?? 0) >= 2 }
        }
        let steady = repeats(from: since)
        for (name, times) in steady {
            let gaps = zip(times.dropFirst(), times).map { $0 - $1 }
            // One scheduler repeats every 7 s here (the first flush after 6 s, on 1 s ticks); the
            // key's whole seconds can make that 6.
            #expect(gaps.allSatisfy { $0 >= Self.repeatSeconds }, "\(name) repeated by both instances: \(times)")
        }

        // One instance is killed: the other takes its partitions over and repeats its alerts too.
        // Two restores one's from the changelog into an empty file; one finds two's in its file
        // (the changelog has nothing newer of them) and must group them again all the same.
        let (victim, survivor) = killingTheFirst ? (one, two) : (two, one)
        try await victim.process!.stop(signal: SIGKILL)
        try await eventually("\(survivor.name) owns every partition", watching: survivor.process!, timeout: .seconds(60)) {
            await metric(survivor, "klaxon_state_owned_partitions") == 12
        }
        let afterKill = Int(Date().timeIntervalSince1970) + 1
        try await eventually("\(survivor.name) repeats every alert, the killed instance's too", watching: survivor.process!, timeout: .seconds(30)) {
            let r = repeats(from: afterKill)
            return names.allSatisfy { r[$0] != nil }
        }
        #expect(await metric(survivor, "klaxon_aggregation_groups") == Double(alerts.count))
        // Nothing was notified as new after the first notifications: the log went along.
        let first = Dictionary(grouping: sent(f).filter { $0.repeatedAt == nil }, by: \.alert)
        for name in names {
            #expect(first[name]?.count == 1, "\(name) notified as new \(first[name]?.count ?? 0) times: \(first[name]?.map(\.key) ?? [])")
        }
    }
}
