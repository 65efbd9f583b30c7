import Foundation
import KlaxonTesting
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The operating surface: metrics Prometheus accepts, health endpoints, config checking, and
/// the docker-compose file.
@Suite(.stopsServers) struct OperationsTests {
    @Test func metricsEndpointPassesPromtoolAndCountsDeadLetters() async throws {
        let promtool = try Tools.require("promtool", package: "prometheus")
        let f = try await ServiceFixture()
        let port = try freePort()
        try f.writeConfig(httpListen: "127.0.0.1:\(port)")
        let producer = try f.producer()
        try await producer.send(topic: ServiceFixture.scans, value: Data("not json".utf8))
        try await producer.send(topic: ServiceFixture.scans, value: try Data(contentsOf: ServiceFixture.sample("trivy-shop-api.json")))

        let service = try f.startService()
        try await eventually("alerts delivered") { f.fileAlerts().count >= 4 }
        let base = URL(string: "http://127.0.0.1:\(port)")!
        let (health, healthResponse) = try await URLSession.shared.data(from: base.appendingPathComponent("healthz"))
        #expect((healthResponse as? HTTPURLResponse)?.statusCode == 200)
        #expect(String(decoding: health, as: UTF8.self) == "ok\n")
        let (_, readyResponse) = try await URLSession.shared.data(from: base.appendingPathComponent("readyz"))
        #expect((readyResponse as? HTTPURLResponse)?.statusCode == 200)

        var metrics = ""
        try await eventually("delivery counters appear") {
            let (body, _) = try await URLSession.shared.data(from: base.appendingPathComponent("metrics"))
            metrics = String(decoding: body, as: UTF8.self)
            return metrics.contains("klaxon_notifications_total") && metrics.contains("klaxon_outbox_pending")
                && metrics.contains("klaxon_notification_latency_seconds_bucket")
        }
        #expect(try await service.stop() == 0)

        #expect(metrics.contains(#"klaxon_deadletters_total{topic="scans",kind="decode"} 1"#))
        #expect(metrics.contains(#"klaxon_messages_consumed_total{topic="scans"} 2"#))
        #expect(metrics.contains(#"klaxon_notification_breaker_open{receiver="log",integration="file[0]"} 0"#))
        #expect(metrics.contains(#"klaxon_outbox_pending{receiver="log",integration="file[0]"}"#))
        #expect(metrics.contains(#"klaxon_notification_latency_seconds_count{receiver="log",integration="file[0]"}"#))
        #expect(metrics.contains(#"klaxon_notifications_total{receiver="log",integration="file[0]",outcome="delivered"}"#))
        let (status, out, err) = try await ChildProcess.run(promtool, ["check", "metrics"], input: Data(metrics.utf8), in: f.dir)
        #expect(status == 0, "promtool check metrics: \(out)\(err)")
    }

    @Test func configCheckNamesFileLineAndReason() async throws {
        let f = FileManager.default
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("klaxon-cfg-\(UUID().uuidString.prefix(8))")
        try f.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? f.removeItem(at: dir) }
        try "route:\n  receiver: nobody\nreceivers:\n  - name: somebody\n".write(
            to: dir.appendingPathComponent("routes.yml"), atomically: true, encoding: .utf8)
        try "kafka:\n  embedded: true\n  topics:\n    - name: t\n      format: trivy\n      colour: blue\nroutes: [routes.yml]\n".write(
            to: dir.appendingPathComponent("bad.yml"), atomically: true, encoding: .utf8)
        try "kafka:\n  embedded: true\n  topics:\n    - name: t\nroutes: [routes.yml]\n".write(
            to: dir.appendingPathComponent("good.yml"), atomically: true, encoding: .utf8)

        let (bad, _, badErr) = try await ChildProcess.run(Tools.klaxon, ["config", "check", "--config", "bad.yml"], in: dir)
        #expect(bad != 0)
        #expect(badErr.contains("bad.yml:6:7"), "file:line:column in \(badErr)")
        #expect(badErr.contains("unknown field \"colour\""))

        let (ref, _, refErr) = try await ChildProcess.run(Tools.klaxon, ["config", "check", "--config", "good.yml"], in: dir)
        #expect(ref != 0)
        #expect(refErr.contains("routes.yml:2"), "culprit file and line in \(refErr)")
        #expect(refErr.contains("undefined receiver \"nobody\" used in route"))

        try "route:\n  receiver: somebody\nreceivers:\n  - name: somebody\n".write(
            to: dir.appendingPathComponent("routes.yml"), atomically: true, encoding: .utf8)
        let (good, out, goodErr) = try await ChildProcess.run(Tools.klaxon, ["config", "check", "--config", "good.yml"], in: dir)
        #expect(good == 0, "\(goodErr)")
        #expect(out.hasPrefix("ok: good.yml"))
    }

    @Test func dockerComposeFileValidates() async throws {
        let compose = try Tools.require("docker-compose", package: "docker-compose")
        let (status, out, err) = try await ChildProcess.run(compose, ["-f", "docker-compose.yml", "config", "-q"], in: Tools.packageRoot)
        #expect(status == 0, "docker-compose config -q: \(out)\(err)")

        // `--scale klaxon=3` needs a host port per instance and no fixed container name.
        let (_, resolved, _) = try await ChildProcess.run(compose, ["-f", "docker-compose.yml", "config"], in: Tools.packageRoot)
        let lines = resolved.split(separator: "\n")
        let start = try #require(lines.firstIndex(of: "  klaxon:"))
        let service = lines[(start + 1)...].prefix { $0.hasPrefix("    ") }
        #expect(!service.contains { $0.contains("container_name") })
        let published = try #require(service.first { $0.contains("published:") }, "\(service)")
        let range = published.split(separator: ":").last.map { $0.trimmingCharacters(in: .whitespaces) }?.split(separator: "-").compactMap { Int($0) } ?? []
        #expect(range.count == 2 && range[1] - range[0] + 1 >= 3, "klaxon's host ports: \(published)")
    }

    @Test func shippedConfigsAndRoutesPassConfigCheck() async throws {
        for config in ["config/klaxon.yml", "config/klaxon.kafka.yml"] {
            let (status, out, err) = try await ChildProcess.run(Tools.klaxon, ["config", "check", "--config", config], in: Tools.packageRoot)
            #expect(status == 0, "\(config): \(out)\(err)")
        }
    }
}
