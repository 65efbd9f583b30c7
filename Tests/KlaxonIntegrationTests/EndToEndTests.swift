import Foundation
import KlaxonKafka
import KlaxonTesting
import Testing

/// `klaxon run` as a real process against the embedded broker over TCP, fed by `klaxon publish`
/// and by kcat, delivering to a JSON-lines file and to a real HTTP server.
@Suite(.stopsServers) struct EndToEndTests {
    @Test func eventsFromKlaxonPublishAndKcatReachFileAndWebhook() async throws {
        let kcat = try Tools.require("kcat", package: "kcat")
        let f = try await ServiceFixture()
        try f.writeConfig()
        let service = try f.startService()

        let (status, _, err) = try await ChildProcess.run(
            Tools.klaxon,
            ["publish", "--brokers", f.broker.bootstrapServers, "--topic", ServiceFixture.scans, "--key", "shop/api",
             ServiceFixture.sample("trivy-shop-api.json").path],
            in: f.dir)
        #expect(status == 0, "klaxon publish failed: \(err)")
        #expect(err.contains("published 1 message(s) to scans"))

        let (kstatus, _, kerr) = try await ChildProcess.run(
            kcat, ["-b", f.broker.bootstrapServers, "-t", ServiceFixture.runtime, "-P", "-H", "klaxon-environment=prod",
                   "-l", ServiceFixture.sample("falco-events.jsonl").path],
            in: f.dir)
        #expect(kstatus == 0, "kcat failed: \(kerr)")

        try await eventually("7 alerts in the file sink and 3 at the webhook") {
            f.fileAlerts().count >= 7 && f.webhookAlerts().count >= 3
        }
        #expect(try await service.stop() == 0)

        let alerts = f.fileAlerts()
        let labels = alerts.compactMap { $0["labels"] as? [String: String] }
        #expect(alerts.count == 7)
        let trivy = labels.filter { $0["source"] == "trivy" }
        #expect(Set(trivy.compactMap { $0["cve"] }) == ["CVE-2024-6387", "CVE-2023-45853", "CVE-2024-2511", "CVE-2011-3374"])
        #expect(trivy.allSatisfy { $0["image"]?.hasPrefix("registry.example.com/shop/api") == true })
        let bySeverity = Dictionary(grouping: trivy, by: { $0["cve"] ?? "" }).mapValues { $0.first?["severity"] }
        #expect(bySeverity["CVE-2024-6387"] == "critical")
        #expect(bySeverity["CVE-2023-45853"] == "high")
        #expect(bySeverity["CVE-2024-2511"] == "medium")
        #expect(bySeverity["CVE-2011-3374"] == "low")

        let falco = labels.filter { $0["source"] == "falco" }
        #expect(falco.count == 3)
        #expect(falco.allSatisfy { $0["environment"] == "prod" }, "the klaxon-environment header sets environment")
        #expect(Set(falco.compactMap { $0["host"] }) == ["node-7", "node-3"])

        // Only critical and high reach the webhook, as Alertmanager-style payloads.
        // Delivery is at least once: a send answered after the service's timeout is sent again
        // under the same idempotency key. So one notification per key, and no alert paged
        // under two keys (that would be a duplicate the receiver cannot recognise).
        var byKey: [String: [[String: Any]]] = [:]
        for r in f.recorder.received where byKey[r.headers["idempotency-key"] ?? ""] == nil {
            let body = (try? JSONSerialization.jsonObject(with: r.body)) as? [String: Any]
            byKey[r.headers["idempotency-key"] ?? ""] = body?["alerts"] as? [[String: Any]] ?? []
        }
        let paged = byKey.values.flatMap { $0 }
        let pagedNames = Set(paged.compactMap { ($0["labels"] as? [String: String])?["alertname"] })
        #expect(pagedNames == ["CVE-2024-6387", "CVE-2023-45853", "Detect outbound connections to common miner pool ports"])
        let fingerprints = paged.compactMap { $0["fingerprint"] as? String }
        #expect(fingerprints.count == 3 && Set(fingerprints).count == 3, "each alert paged once per key: \(byKey.keys.sorted()) \(fingerprints)")
        let severities = paged.compactMap { ($0["severity"] as? [String: Any])?["id"] as? Int }
        #expect(severities.count == 3 && severities.allSatisfy { $0 >= 4 }, "\(severities)")
        let request = try #require(f.recorder.received.first)
        #expect(request.headers["content-type"] == "application/json")
        #expect(request.headers["idempotency-key"]?.hasPrefix("pager/") == true)
        let body = try #require(try JSONSerialization.jsonObject(with: request.body) as? [String: Any])
        #expect(body["version"] as? String == "4")
        #expect(body["receiver"] as? String == "pager")
        #expect(body["status"] as? String == "firing")
    }

    @Test func brokerSubcommandInteroperatesWithKcat() async throws {
        let kcat = try Tools.require("kcat", package: "kcat")
        let dir = URL(fileURLWithPath: NSTemporaryDirectory())
        let broker = try ChildProcess(Tools.klaxon, ["broker", "--partitions", "2", "--topics", "alpha,beta"], in: dir)
        try await eventually("klaxon broker prints its address") { !broker.stdout.isEmpty }
        let address = try #require(broker.stdout.split(separator: "\n").first).trimmingCharacters(in: .whitespaces)
        #expect(address.hasPrefix("127.0.0.1:"))

        let (status, out, err) = try await ChildProcess.run(kcat, ["-b", address, "-L", "-m", "10"], in: dir)
        #expect(status == 0, "kcat -L failed: \(err)")
        #expect(out.contains("topic \"alpha\" with 2 partitions"))
        #expect(out.contains("topic \"beta\" with 2 partitions"))

        // A message produced by kcat comes back through kcat.
        let (p, _, perr) = try await ChildProcess.run(kcat, ["-b", address, "-t", "alpha", "-P", "-p", "0"], input: Data("hello\n".utf8), in: dir)
        #expect(p == 0, "kcat -P failed: \(perr)")
        let (c, consumed, cerr) = try await ChildProcess.run(kcat, ["-b", address, "-t", "alpha", "-C", "-p", "0", "-o", "beginning", "-c", "1", "-e"], in: dir)
        #expect(c == 0, "kcat -C failed: \(cerr)")
        #expect(consumed.trimmingCharacters(in: .whitespacesAndNewlines) == "hello")

        #expect(try await broker.stop() == 0)
    }
}
