import Foundation
import KlaxonCore
import KlaxonKafka
import KlaxonTesting
import Testing

/// A threshold counted by `group_by` spans fingerprints, so its occurrences fall on partitions
/// several instances own (issue #14). Each instance counts its share and reads the others'
/// from the state changelog, so N instances reach the count one instance reaches.
@Suite(.serialized, .stopsServers) struct ThresholdSharesTests {
    typealias Instance = ControlTopicTests.Instance

    @Test func aCountSpreadOverTwoInstancesNotifiesWhereItIsReached() async throws {
        try await Instance.two(routesExtra: """
            thresholds:
              - name: spread
                matchers: ['alertname="Spread"']
                count: 3
                window: 1h
                group_by: [alertname]
            """, spread)
    }

    func metric(_ i: Instance, _ name: String) async -> Double? {
        guard let (status, body) = try? await HTTP.call("GET", i.base + "/metrics"), status == 200 else { return nil }
        return Prometheus.samples(String(decoding: body, as: UTF8.self)).first { $0.name == name }?.value
    }

    func notified(_ f: ServiceFixture) -> [String] {
        f.webhookAlerts().compactMap { a in
            let labels = a["labels"] as? [String: String]
            return labels?["alertname"] == "Spread" ? labels?["pod"] : nil
        }
    }

    func spread(_ f: ServiceFixture, _ producer: KafkaProducer, _ one: Instance, _ two: Instance) async throws {
        for i in [one, two] {
            try await eventually("\(i.name) ready", watching: i.process!) { (try? await HTTP.call("GET", i.base + "/readyz"))?.0 == 200 }
        }
        let owners = try await ControlTopicTests().probeOwners(f, producer, [one, two], probe: "Probe")
        // Two occurrences of the key on alerts one owns, the third on an alert two owns.
        var mine: [String: [(pod: String, payload: Data)]] = [:]
        var k = 0
        while (mine["one"]?.count ?? 0) < 2 || (mine["two"]?.count ?? 0) < 1 {
            let (payload, fp) = ControlTopicTests.alert("Spread", ["pod": "p\(k)"])
            if let owner = owners[ControlTopicTests.partitioner.partition(of: fp)] { mine[owner.name, default: []].append(("p\(k)", payload)) }
            k += 1
        }
        let held = mine["one"]!.prefix(2)
        for (n, a) in held.enumerated() {
            try await producer.send(topic: ServiceFixture.scans, value: a.payload, partition: Int32(n % 2))
            try await eventually("one holds \(a.pod)", watching: one.process!) {
                let list = (try? await one.get("/api/v1/alerts")) as? [[String: Any]] ?? []
                return list.contains { ($0["labels"] as? [String: String])?["pod"] == a.pod }
            }
            // Each share one writes reaches two's changelog reader before the next occurrence.
            try await eventually("two read one's share \(n + 1)", watching: two.process!) {
                (await metric(two, "klaxon_threshold_remote_shares_total") ?? 0) >= Double(n + 1)
            }
        }
        try await one.settled()
        #expect(notified(f).isEmpty, "2 of 3 occurrences are held")

        let third = mine["two"]![0]
        try await producer.send(topic: ServiceFixture.scans, value: third.payload, partition: 0)
        // Counting only its own share, two would hold it: 1 of 3.
        try await eventually("two notified the third occurrence", watching: two.process!) { notified(f) == [third.pod] }
        try await two.settled()
        try await one.settled()
        #expect(notified(f) == [third.pod], "one notification, of the occurrence that reached the count")
    }
}
