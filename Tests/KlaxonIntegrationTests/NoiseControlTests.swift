import Foundation
import KlaxonCore
import KlaxonKafka
import KlaxonTesting
import Testing

/// Issue #5's proofs, through the real service: nightly re-scans, cross-scanner dedup,
/// thresholds, ignore rules, false positives, and explanations.
@Suite(.stopsServers) struct NoiseControlTests {
    let token = "noise-token"

    /// The demo's Trivy report, minus `fixed`, plus one extra vulnerability per id in `added`.
    func nightly(without fixed: Set<String> = [], adding added: [String] = []) throws -> Data {
        var report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: ServiceFixture.sample("trivy-shop-api.json"))) as? [String: Any])
        var results = try #require(report["Results"] as? [[String: Any]])
        var vulns = (results[0]["Vulnerabilities"] as? [[String: Any]] ?? []).filter { !fixed.contains($0["VulnerabilityID"] as? String ?? "") }
        for id in added {
            vulns.append(["VulnerabilityID": id, "PkgName": "libexpat1", "InstalledVersion": "2.5.0-1", "Severity": "HIGH", "Title": "expat: new"])
        }
        results[0]["Vulnerabilities"] = vulns
        report["Results"] = results
        return try JSONSerialization.data(withJSONObject: report)
    }

    func start(_ f: ServiceFixture, routesExtra: String = "", environmentThresholds: String? = "{}") async throws -> (ChildProcess, String) {
        let port = try freePort()
        try f.writeConfig(httpListen: "127.0.0.1:\(port)", routesExtra: routesExtra, environmentThresholds: environmentThresholds)
        let service = try f.startService(environment: ["KLAXON_API_TOKEN": token])
        let base = "http://127.0.0.1:\(port)"
        try await eventually("the API answers", watching: service) { (try? await HTTP.call("GET", base + "/readyz").0) == 200 }
        return (service, base)
    }

    @Test func fiveNightsOfTheSameReportNotifyOnlyWhatChanged() async throws {
        let f = try await ServiceFixture()
        let (service, base) = try await start(f)
        let producer = try f.producer()
        let nights = [
            try nightly(), try nightly(), try nightly(without: ["CVE-2024-6387"]),
            try nightly(without: ["CVE-2024-6387"], adding: ["CVE-2024-45490"]), try nightly(without: ["CVE-2024-6387"], adding: ["CVE-2024-45490"]),
        ]
        for (i, night) in nights.enumerated() {
            try await producer.send(topic: ServiceFixture.scans, value: night)
            try await eventually("night \(i + 1) handled", watching: service) { try f.store().timesSeen(topic: ServiceFixture.scans).count == i + 1 }
        }
        try await eventually("the new CVE and the resolution are delivered", watching: service) { f.fileAlerts().count >= 6 }
        try await f.settled(base, records: 5)
        #expect(try await service.stop() == 0)

        let alerts = f.fileAlerts()
        let firing = alerts.filter { $0["status"] as? String == "firing" }.compactMap { ($0["labels"] as? [String: String])?["cve"] }
        let resolved = alerts.filter { $0["status"] as? String == "resolved" }.compactMap { ($0["labels"] as? [String: String])?["cve"] }
        #expect(firing.sorted() == ["CVE-2011-3374", "CVE-2023-45853", "CVE-2024-2511", "CVE-2024-45490", "CVE-2024-6387"])
        #expect(resolved == ["CVE-2024-6387"])
        let apt = try #require(try f.store().states().first { $0.alert.labels["cve"] == "CVE-2011-3374" })
        #expect(apt.occurrences == 5 && apt.status == .firing)
    }

    @Test func trivyAndInspectorReportingTheSameCVEOnTheSameDigestAreOneAlert() async throws {
        let f = try await ServiceFixture()
        let (service, base) = try await start(f)
        let producer = try f.producer()
        let samples = Tools.packageRoot.appendingPathComponent("samples")
        try await producer.send(topic: ServiceFixture.scans, value: try Data(contentsOf: samples.appendingPathComponent("trivy-image.json")))
        try await producer.send(topic: ServiceFixture.scans, value: try Data(contentsOf: samples.appendingPathComponent("inspector2-ecr-finding.json")))
        try await eventually("both reports handled", watching: service) { try f.store().timesSeen(topic: ServiceFixture.scans).count == 2 }
        try await eventually("the trivy alerts delivered", watching: service) { f.fileAlerts().count >= 4 }
        try await f.settled(base, records: 2)

        let cve = try #require(try f.store().states().filter { $0.alert.labels["cve"] == "CVE-2024-0727" }.first)
        #expect(try f.store().states().filter { $0.alert.labels["cve"] == "CVE-2024-0727" }.count == 1)
        #expect(cve.occurrences == 2)
        let (_, explain) = try await HTTP.call("GET", base + "/api/v1/alerts/\(cve.alert.fingerprint)/explain")
        #expect(HTTP.object(explain)["sources"] as? [String] == ["trivy", "inspector2"])
        #expect(f.fileAlerts().filter { ($0["labels"] as? [String: String])?["cve"] == "CVE-2024-0727" }.count == 1)
        #expect(try await service.stop() == 0)
    }

    @Test func aFalcoRuleFiringAThousandTimesNotifiesOnceWithItsCount() async throws {
        let f = try await ServiceFixture()
        let (service, base) = try await start(f, routesExtra: """
            thresholds:
              - name: shells
                matchers: ['rule="Terminal shell in container"']
                count: 1000
                window: 1m
            """)
        let producer = try f.producer()
        let event = try #require(try String(contentsOf: ServiceFixture.sample("falco-events.jsonl"), encoding: .utf8).split(separator: "\n").first)
        _ = try await producer.sendAll(topic: ServiceFixture.runtime, Array(repeating: KafkaMessage(value: Data(event.utf8)), count: 1000))
        try await eventually("the burst is notified", watching: service, timeout: .seconds(90)) { !f.fileAlerts().isEmpty }
        try await f.settled(base, records: 1000)
        let metrics = try await HTTP.text(base + "/metrics")
        #expect(try await service.stop() == 0)

        let alerts = f.fileAlerts()
        #expect(alerts.count == 1)
        #expect(alerts.first?["occurrences"] as? Int == 1000)
        #expect(metrics.contains(#"klaxon_alerts_suppressed_total{reason="threshold"} 999"#))
    }

    @Test func ignoreRulesAndFalsePositivesAreCountedListedAndExplained() async throws {
        let f = try await ServiceFixture()
        let (service, base) = try await start(f, routesExtra: """
            suppressions:
              - name: apt-weak-key
                vulnerability: CVE-2011-3374
                reason: disputed, no fix in Debian
                owner: secops
              - vulnerability: CVE-2023-45853
                reason: minizip is not shipped
                owner: secops
                expires: 2020-01-31
            """)
        let env = ["KLAXON_API_TOKEN": token, "KLAXON_URL": base]
        let producer = try f.producer()
        try await producer.send(topic: ServiceFixture.scans, value: try nightly())
        try await eventually("3 alerts delivered", watching: service) { f.fileAlerts().count >= 3 }
        try await f.settled(base, records: 1)
        let delivered = Set(f.fileAlerts().compactMap { ($0["labels"] as? [String: String])?["cve"] })
        #expect(delivered == ["CVE-2024-6387", "CVE-2023-45853", "CVE-2024-2511"], "the expired rule no longer applies")

        let (_, expired, _) = try await f.klaxon(["suppressions", "list", "--expired", "--config", f.routesFile.path])
        #expect(expired.contains("secops") && expired.contains("2020-01-31") && expired.contains("minizip is not shipped"))
        #expect(!expired.contains("apt-weak-key"))

        let states = try f.store().states()
        let apt = try #require(states.first { $0.alert.labels["cve"] == "CVE-2011-3374" })
        let (status, explainText, explainErr) = try await f.klaxon(["alerts", "explain", apt.alert.fingerprint.description], environment: env)
        #expect(status == 0, "\(explainErr)")
        #expect(explainText.contains("ignored") && explainText.contains("apt-weak-key") && explainText.contains("secops"))

        // A false positive: suppressed from now on, counted, rate published, explained.
        let ssl = try #require(states.first { $0.alert.labels["cve"] == "CVE-2024-2511" })
        let (marked, _, markErr) = try await f.klaxon(
            ["alerts", "mark-false-positive", ssl.alert.fingerprint.description, "--reason", "not reachable from the network"], environment: env)
        #expect(marked == 0, "\(markErr)")
        try await producer.send(topic: ServiceFixture.scans, value: try nightly())
        try await eventually("the re-scan is handled", watching: service) { try f.store().timesSeen(topic: ServiceFixture.scans).count == 2 }
        // Counted once the batch's effects are durable, a moment after the ledger shows it.
        try await eventually("the re-scan's suppressions are counted", watching: service) {
            let m = (try? await HTTP.text(base + "/metrics")) ?? ""
            return m.contains(#"klaxon_alerts_suppressed_total{reason="ignored"} 2"#)
                && m.contains(#"klaxon_alerts_suppressed_total{reason="false_positive"} 1"#)
        }
        let metrics = try await HTTP.text(base + "/metrics")
        #expect(metrics.contains(#"klaxon_alerts_suppressed_total{reason="ignored"} 2"#))
        #expect(metrics.contains(#"klaxon_alerts_suppressed_total{reason="false_positive"} 1"#))
        #expect(metrics.contains(#"klaxon_false_positive_ratio{source="trivy"} 0.25"#))
        let (_, sslExplain, _) = try await f.klaxon(["alerts", "explain", ssl.alert.fingerprint.description], environment: env)
        #expect(sslExplain.contains("false positive") && sslExplain.contains("not reachable from the network"))
        #expect(try await service.stop() == 0)
    }

    @Test func environmentsNotifyFromTheirDefaultMinimumSeverity() async throws {
        let f = try await ServiceFixture()
        let (service, base) = try await start(f, environmentThresholds: nil)
        let producer = try f.producer()
        // The runtime topic is labelled staging: only high and above notify there by default.
        let events = try String(contentsOf: ServiceFixture.sample("falco-events.jsonl"), encoding: .utf8).split(separator: "\n")
        _ = try await producer.sendAll(topic: ServiceFixture.runtime, events.map { KafkaMessage(value: Data($0.utf8)) })
        try await eventually("3 events handled", watching: service) { try f.store().timesSeen(topic: ServiceFixture.runtime).count == 3 }
        try await eventually("the critical event is delivered", watching: service) { !f.fileAlerts().isEmpty }
        try await f.settled(base, records: 3)
        let metrics = try await HTTP.text(base + "/metrics")
        let held = try #require(try f.store().states().first { $0.alert.severity.level == .medium })
        let (_, explain) = try await HTTP.call("GET", base + "/api/v1/alerts/\(held.alert.fingerprint)/explain")
        #expect(try await service.stop() == 0)

        #expect(f.fileAlerts().compactMap { ($0["labels"] as? [String: String])?["severity"] } == ["critical"])
        #expect(metrics.contains(#"klaxon_alerts_suppressed_total{reason="threshold"} 2"#))
        #expect((HTTP.object(explain)["summary"] as? String)?.contains("below the staging threshold: staging notifies from high") == true)
    }
}
