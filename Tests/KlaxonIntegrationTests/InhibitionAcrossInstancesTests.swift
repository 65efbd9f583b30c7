import Foundation
import KlaxonCore
import KlaxonKafka
import KlaxonTesting
import Testing

/// An inhibition's source and target owned by different instances (issue #14): every
/// instance reads the state changelog whole for the alerts that can inhibit, so a critical
/// alert owned by A mutes the target B groups, and stops muting it once it resolves.
@Suite(.serialized, .stopsServers) struct InhibitionAcrossInstancesTests {
    typealias Instance = ControlTopicTests.Instance
    let control = ControlTopicTests()

    static let rule = """
        inhibit_rules:
          - source_matchers: ['severity="critical"']
            target_matchers: ['severity="high"']
            equal: ['host']
        """

    @Test func aSourceOwnedByOneInstanceInhibitsATargetAnotherGroups() async throws {
        try await twoInstances(routesExtra: Self.rule, run)
    }

    func twoInstances(routesExtra: String, _ body: @escaping (ServiceFixture, KafkaProducer, Instance, Instance) async throws -> Void) async throws {
        try await Instance.two(routesExtra: routesExtra, body)
    }

    /// Both ready; A owns the source's partition, B the target's and its groups' (alerts on
    /// host h1): groups live on their key's partition, so a target placed by its alert alone
    /// could be grouped, and muted, on A.
    func placed(_ f: ServiceFixture, _ producer: KafkaProducer, _ one: Instance, _ two: Instance) async throws
        -> (a: Instance, b: Instance, source: (name: String, alert: (payload: Data, fingerprint: Fingerprint)), target: (name: String, alert: (payload: Data, fingerprint: Fingerprint)),
            owners: [Int32: Instance])
    {
        for i in [one, two] {
            try await eventually("\(i.name) ready", watching: i.process!) { (try? await HTTP.call("GET", i.base + "/readyz"))?.0 == 200 }
        }
        let owners = try await control.probeOwners(f, producer, [one, two], probe: "Probe")
        let b = try #require(owners.values.first)
        let a = b === one ? two : one
        try #require(owners.values.contains { $0 === a }, "two owners: \(owners.mapValues(\.name))")
        let sourceName = control.name("Source", ["host": "h1"], ownedBy: a, in: owners)
        // The target's labels once decoded are a probe's with its own name, severity and host.
        let routing = try RoutingConfig.load(yaml: String(contentsOf: f.routesFile, encoding: .utf8), file: f.routesFile.path)
        let held = ((try await b.get("/api/v1/alerts")) as? [[String: Any]] ?? []).compactMap { $0["labels"] as? [String: String] }
        let probe = try #require(held.first { $0["alertname"]?.hasPrefix("Probe") == true })
        func groupedBy(_ owner: Instance, _ name: String) -> Bool {
            let labels = probe.merging(["alertname": name, "severity": "high", "host": "h1"]) { _, new in new }
            let keys = routing.tree.match(Alert(labels: labels, severity: .high, fingerprint: Fingerprint(labels: labels), scope: ""))
                .map { GroupKey(route: $0, labels: labels) }
            return !keys.isEmpty && keys.allSatisfy { owners[ControlTopicTests.partitioner.partition(ofGroup: $0)] === owner }
        }
        var k = 0
        var targetName = control.name("Target", ["host": "h1", "severity": "high"], ownedBy: b, in: owners)
        while !groupedBy(b, targetName) {
            k += 1
            targetName = control.name("Target\(k)", ["host": "h1", "severity": "high"], ownedBy: b, in: owners)
        }
        return (a, b, (sourceName, ControlTopicTests.alert(sourceName, ["host": "h1"])),
                (targetName, ControlTopicTests.alert(targetName, ["host": "h1", "severity": "high"])), owners)
    }

    /// Rules that arrive with a reload find the sources already in the changelog: the feed
    /// reads it again (records were not decoded while there were no rules).
    @Test func aReloadThatAddsTheRuleFindsASourceReadBefore() async throws {
        try await twoInstances(routesExtra: "", reload)
    }

    func reload(_ f: ServiceFixture, _ producer: KafkaProducer, _ one: Instance, _ two: Instance) async throws {
        let (a, b, (sourceName, source), (targetName, target), owners) = try await placed(f, producer, one, two)
        try await producer.send(topic: ServiceFixture.scans, value: source.payload, partition: 0)
        try await eventually("A notified the source", watching: a.process!) { control.webhookNames(f).contains(sourceName) }
        try await a.settled()
        #expect(try await sources(b) == 0, "no rules: nothing taken")

        try f.writeConfig(routesExtra: Self.rule)
        let (status, body) = try await HTTP.call("POST", a.base + "/-/reload", token: "tok", actor: "ana")
        #expect(status == 200, "\(String(decoding: body, as: UTF8.self))")
        try await eventually("B read the source again under the new rule", watching: b.process!) { try await sources(b) == 1 }
        try await producer.send(topic: ServiceFixture.scans, value: target.payload, partition: 1)
        try await eventually("B holds the target", watching: b.process!) { try await b.alertNames().contains(targetName) }
        try await expectGroupedBy(b, target.fingerprint, owners: owners)
        try await b.settled()
        #expect(!control.webhookNames(f).contains(targetName), "the source read before the reload inhibits")
    }

    func sources(_ i: Instance) async throws -> Double? {
        guard let (status, body) = try? await HTTP.call("GET", i.base + "/metrics"), status == 200 else { return nil }
        return Prometheus.samples(String(decoding: body, as: UTF8.self)).first { $0.name == "klaxon_inhibition_changelog_sources" }?.value
    }

    func run(_ f: ServiceFixture, _ producer: KafkaProducer, _ one: Instance, _ two: Instance) async throws {
        let (a, b, (sourceName, source), (targetName, target), owners) = try await placed(f, producer, one, two)

        try await producer.send(topic: ServiceFixture.scans, value: source.payload, partition: 0)
        try await eventually("A notified the source", watching: a.process!) { control.webhookNames(f).contains(sourceName) }
        try await eventually("B read the source from the changelog", watching: b.process!) { try await sources(b) == 1 }

        try await producer.send(topic: ServiceFixture.scans, value: target.payload, partition: 1)
        try await eventually("B holds the target", watching: b.process!) { try await b.alertNames().contains(targetName) }
        try await expectGroupedBy(b, target.fingerprint, owners: owners)
        try await b.settled()
        #expect(!control.webhookNames(f).contains(targetName), "A's critical alert on host h1 inhibits B's high one")
        let (aNames, bNames) = (try await a.alertNames(), try await b.alertNames())
        #expect(!aNames.contains(targetName) && !bNames.contains(sourceName), "each alert is held by its owner only")
        let listed = (try await b.get("/api/v2/alerts")) as? [[String: Any]] ?? []
        let status = listed.first { ($0["labels"] as? [String: String])?["alertname"] == targetName }?["status"] as? [String: Any]
        #expect(status?["inhibitedBy"] as? [String] == [source.fingerprint.description], "\(String(describing: status))")

        // The source resolves on A: B stops muting, and its next flush of the group sends the target.
        let (resolved, body) = try await HTTP.call("POST", a.base + "/api/v1/alerts/\(source.fingerprint)/resolve", token: "tok", json: [:])
        #expect(resolved == 200, "\(String(decoding: body, as: UTF8.self))")
        try await eventually("B notified the target once the source resolved", watching: b.process!) { control.webhookNames(f).contains(targetName) }
        #expect(try await sources(b) == 0, "B unmuted the target on reading the resolution")
    }

    /// The target's groups, as B explains them, live on partitions B owns: the placement above
    /// predicted them from a probe's labels, and this says whether it held.
    func expectGroupedBy(_ b: Instance, _ fp: Fingerprint, owners: [Int32: Instance]) async throws {
        let explained = (try await b.get("/api/v1/alerts/\(fp)/explain")) as? [String: Any]
        let keys = explained?["routes"] as? [String] ?? []
        let partitions = keys.map { ControlTopicTests.partitioner.partition(ofGroup: GroupKey($0)) }
        #expect(!keys.isEmpty && partitions.allSatisfy { owners[$0] === b }, "groups \(keys) on partitions \(partitions)")
    }

}
