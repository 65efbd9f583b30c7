import Foundation
import KlaxonCore
import KlaxonService
import KlaxonStore
import KlaxonTesting
import Testing

/// Vulnerability coverage through the running service: images seen running in Falco events
/// over the embedded broker, complete Trivy scans, a real SQLite file, the webhook receiver,
/// `/metrics` and the report API; the coverage timers run on virtual time.
@Suite(.serialized, .stopsServers) struct CoverageTests {
    static func iso(_ d: Date) -> String { d.formatted(.iso8601) }

    /// A complete Trivy scan of `image` that found nothing, made at `at`.
    static func cleanScan(_ image: String, at: Date) throws -> Data {
        try JSONSerialization.data(withJSONObject: [
            "SchemaVersion": 2, "CreatedAt": iso(at), "ArtifactName": image, "ArtifactType": "container_image",
            "Metadata": ["RepoTags": [image], "RepoDigests": ["\(image.split(separator: ":")[0])@sha256:\(String(repeating: "ab", count: 32))"]],
            "Results": [] as [Any],
        ])
    }

    /// A Falco event (priority notice) in a container of `repository:tag`, at `at`.
    static func falcoEvent(_ repository: String, tag: String, at: Date) throws -> Data {
        try JSONSerialization.data(withJSONObject: [
            "rule": "Read sensitive file untrusted", "priority": "Notice", "time": iso(at), "hostname": "node-1",
            "output": "file opened", "source": "syscall",
            "output_fields": [
                "container.id": "c-\(tag)-\(repository.count)", "container.image.repository": repository, "container.image.tag": tag,
                "proc.name": "cat",
            ],
        ])
    }

    func routes(_ f: ServiceFixture) -> String {
        """
        environment_thresholds: {}
        route:
          receiver: log
          group_by: ['...']
          group_wait: 0s
          group_interval: 1s
          routes:
            - receiver: pager
              matchers: ['alertname="ScanOverdue"']
        receivers:
          - name: log
            file_configs:
              - path: \(f.alertsFile.path)
          - name: pager
            webhook_configs:
              - url: \(f.recorder.url)
        """
    }

    /// ScanOverdue alerts the webhook received, as (status, image).
    func overdueNotified(_ f: ServiceFixture) -> [(String, String)] {
        f.webhookAlerts().compactMap { a in
            let labels = a["labels"] as? [String: String] ?? [:]
            guard labels["alertname"] == "ScanOverdue" else { return nil }
            return (a["status"] as? String ?? "", labels["image"] ?? "")
        }
    }

    @Test func threeImagesRunningTwoScannedTodayIsTwoThirdsAndOneScanOverdue() async throws {
        let f = try await ServiceFixture()
        try await f.run(coverage)
    }

    func coverage(_ f: ServiceFixture) async throws {
        let port = try freePort()
        try f.writeConfig(httpListen: "127.0.0.1:\(port)")
        try routes(f).write(to: f.routesFile, atomically: true, encoding: .utf8)
        // Images only (the default, said explicitly): the events' host would be a fourth artifact.
        try (try String(contentsOf: f.configFile, encoding: .utf8) + "\ncoverage:\n  kinds: [image]\n")
            .write(to: f.configFile, atomically: true, encoding: .utf8)
        let producer = try f.producer()
        // The timers' clock starts a day and two hours behind the wall clock.
        let wall = Date()
        let clock = VirtualNow(wall.addingTimeInterval(-26 * 3600))
        let coverage = CoverageStore(database: try StateDatabase(path: f.statePath))

        try await EscalationTests().running(f, clock) { app in
            // Three images run in staging (the runtime topic's environment).
            for (repo, tag) in [("docker.io/shop/api", "1.4"), ("shop/web", "2.0"), ("docker.io/shop/worker", "0.9")] {
                try await producer.send(topic: ServiceFixture.runtime, value: try Self.falcoEvent(repo, tag: tag, at: wall))
            }
            // A long deadline: this app shares the test process's two cooperative threads and
            // its embedded broker with the whole suite, and its first events pass through both
            // stages' start (topic check, transactional id, two group joins).
            try await eventually("the three images known to the timers", timeout: .seconds(120)) {
                let known = try coverage.snapshot().sightings
                return known.count == 3 && known.values.allSatisfy { $0.first < wall.addingTimeInterval(-25 * 3600) }
            }
            #expect(overdueNotified(f).isEmpty, "a new artifact has one schedule period for its first scan")
            // This morning shop/api and shop/web were scanned; nobody scanned shop/worker.
            for image in ["shop/api:1.4", "shop/web:2.0"] {
                try await producer.send(topic: ServiceFixture.scans, value: try Self.cleanScan(image, at: wall.addingTimeInterval(-3600)))
            }
            try await eventually("the scans consumed") { app.recordsHandled >= 5 }
            #expect(overdueNotified(f).isEmpty)
            // A day and an hour later on the timers' clock, the third image is overdue.
            clock.advance(25 * 3600)
            try await eventually("one ScanOverdue notified", timeout: .seconds(30)) { !overdueNotified(f).isEmpty }
            try await eventually("the API listening") { (try? await HTTP.call("GET", "http://127.0.0.1:\(port)/healthz"))?.0 == 200 }

            let (_, metrics) = try await HTTP.call("GET", "http://127.0.0.1:\(port)/metrics")
            let line = String(decoding: metrics, as: UTF8.self).split(separator: "\n").first {
                $0.hasPrefix(#"klaxon_scan_coverage_ratio{environment="staging"}"#)
            }
            let ratio = try #require(line.flatMap { Double($0.split(separator: " ").last ?? "") })
            #expect(abs(ratio - 2.0 / 3.0) < 0.005, "\(line ?? "")")
            let (_, body) = try await HTTP.call("GET", "http://127.0.0.1:\(port)/api/v1/report?since=30d")
            let report = try ApiJSON.decoder.decode(IncidentReport.self, from: body)
            let staging = try #require(report.coverage?.environments.first { $0.environment == "staging" })
            #expect(staging.known == 3 && staging.covered == 2)
            #expect(report.coverage?.overdue.map(\.name) == ["shop/worker:0.9"])
            #expect(report.table().contains("67%"))

            try await eventually("grouping idle") { await app.groupsFlushed }
            #expect(overdueNotified(f).map(\.0) == ["firing"])
            #expect(overdueNotified(f).map(\.1) == ["shop/worker:0.9"])
            let overdue = try f.store().states().filter { $0.alert.name == "ScanOverdue" }
            #expect(overdue.count == 1 && overdue.first?.status == .firing)
            #expect(overdue.first?.occurrences == 1, "later passes raise nothing again")
            #expect(overdue.first?.alert.labels["environment"] == "staging")

            // Its scan arrives: the alert resolves and the receiver hears it.
            try await producer.send(topic: ServiceFixture.scans, value: try Self.cleanScan("shop/worker:0.9", at: wall.addingTimeInterval(-1800)))
            try await eventually("ScanOverdue resolved", timeout: .seconds(30)) {
                try f.store().states().first { $0.alert.name == "ScanOverdue" }?.status == .resolved
            }
            try await eventually("the resolved notification") { overdueNotified(f).map(\.0) == ["firing", "resolved"] }
            let history = try AlertHistory(database: StateDatabase(path: f.statePath)).events(of: overdue[0].alert.fingerprint, current: nil)
            #expect(history.contains { $0.kind == .resolved && $0.actor == "scan" }, "\(history.map(\.kind))")
            let (_, after) = try await HTTP.call("GET", "http://127.0.0.1:\(port)/metrics")
            #expect(String(decoding: after, as: UTF8.self).contains(#"klaxon_scan_coverage_ratio{environment="staging"} 1"#))
            #expect(overdueNotified(f).filter { $0.0 == "firing" }.count == 1, "exactly one ScanOverdue was sent")

            // Two days on (the timers' clock), no scan is inside staging's daily schedule any more.
            clock.advance(2 * 86_400)
            try await eventually("all three overdue") {
                try f.store().states().filter { $0.alert.name == "ScanOverdue" && $0.status == .firing }.count == 3
            }
            let (_, later) = try await HTTP.call("GET", "http://127.0.0.1:\(port)/metrics")
            #expect(String(decoding: later, as: UTF8.self).contains(#"klaxon_scan_coverage_ratio{environment="staging"} 0"#))
        }
    }
}
