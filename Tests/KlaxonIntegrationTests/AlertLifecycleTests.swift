import Foundation
import KlaxonKafka
import KlaxonTesting
import Testing

/// Grouping and alert state across reports and restarts, through the real service.
@Suite(.stopsServers) struct AlertLifecycleTests {
    /// The demo's Trivy report without the vulnerabilities whose ids are in `fixed`.
    func trivyReport(without fixed: Set<String> = []) throws -> Data {
        let data = try Data(contentsOf: ServiceFixture.sample("trivy-shop-api.json"))
        var report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var results = try #require(report["Results"] as? [[String: Any]])
        for i in results.indices {
            let vulns = results[i]["Vulnerabilities"] as? [[String: Any]] ?? []
            results[i]["Vulnerabilities"] = vulns.filter { !fixed.contains($0["VulnerabilityID"] as? String ?? "") }
        }
        report["Results"] = results
        return try JSONSerialization.data(withJSONObject: report)
    }

    @Test func aRescanResolvesWhatItNoLongerFindsAndRepeatsNothing() async throws {
        let f = try await ServiceFixture()
        let port = try freePort()
        let base = "http://127.0.0.1:\(port)"
        try f.writeConfig(httpListen: "127.0.0.1:\(port)")
        let producer = try f.producer()
        let service = try f.startService()

        try await producer.send(topic: ServiceFixture.scans, value: try trivyReport())
        try await eventually("4 firing alerts delivered", watching: service) { f.fileAlerts().count >= 4 }
        // Night 2: the same report again — nothing new to say.
        try await producer.send(topic: ServiceFixture.scans, value: try trivyReport())
        // Night 3: openssh was patched.
        try await producer.send(topic: ServiceFixture.scans, value: try trivyReport(without: ["CVE-2024-6387"]))
        try await eventually("the fixed CVE's resolved notification", watching: service) {
            f.fileAlerts().contains { $0["status"] as? String == "resolved" }
        }
        try await f.settled(base, records: 3)
        #expect(try await service.stop() == 0)

        let alerts = f.fileAlerts()
        let resolved = alerts.filter { $0["status"] as? String == "resolved" }
        #expect(resolved.count == 1)
        #expect((resolved.first?["labels"] as? [String: String])?["cve"] == "CVE-2024-6387")
        #expect(resolved.first?["endsAt"] as? String != "0001-01-01T00:00:00Z")
        #expect(alerts.filter { $0["status"] as? String == "firing" }.count == 4, "the re-scans notified nobody again")
        let states = try f.store().states()
        #expect(states.filter { $0.status == .resolved }.count == 1)
        #expect(states.first { $0.alert.labels["cve"] == "CVE-2023-45853" }?.occurrences == 3)
    }

    @Test func aRestartNeitherRepeatsNorLosesNotifications() async throws {
        let f = try await ServiceFixture()
        let port = try freePort()
        let base = "http://127.0.0.1:\(port)"
        try f.writeConfig(httpListen: "127.0.0.1:\(port)")
        let producer = try f.producer()
        try await producer.send(topic: ServiceFixture.scans, value: try trivyReport())

        let first = try f.startService()
        try await eventually("4 alerts delivered", watching: first) { f.fileAlerts().count >= 4 }
        #expect(try await first.stop() == 0)

        // After the restart the same alerts are re-grouped from SQLite; the notification log
        // says they were sent, so only the new one goes out.
        let second = try f.startService()
        let runtime = try #require(
            try String(contentsOf: ServiceFixture.sample("falco-events.jsonl"), encoding: .utf8).split(separator: "\n").last)
        try await producer.send(topic: ServiceFixture.runtime, value: Data(runtime.utf8))
        try await eventually("the new alert delivered", watching: second) { f.fileAlerts().count >= 5 }
        try await f.settled(base, records: 1)
        #expect(try await second.stop() == 0)
        let fingerprints = f.fileAlerts().compactMap { $0["fingerprint"] as? String }
        #expect(fingerprints.count == 5)
        #expect(Set(fingerprints).count == 5)
    }
}
