import Foundation
import KlaxonTesting
import Testing

/// Every series the README documents is in `/metrics` from start, before any message arrives,
/// and the text passes `promtool check metrics`.
@Suite(.stopsServers) struct MetricsAtStartTests {
    /// `klaxon_*` names the README mentions (histograms by their base name).
    static func documentedSeries() throws -> Set<String> {
        let readme = try String(contentsOf: Tools.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let regex = try NSRegularExpression(pattern: "klaxon_[a-z_]+")
        let names = regex.matches(in: readme, range: NSRange(readme.startIndex..., in: readme)).compactMap {
            Range($0.range, in: readme).map { String(readme[$0]) }
        }
        return Set(names.map { n in
            for suffix in ["_bucket", "_count", "_sum"] where n.hasSuffix(suffix) { return String(n.dropLast(suffix.count)) }
            return n
        })
    }

    /// Base names of the samples in a Prometheus text.
    static func present(_ metrics: String) -> Set<String> {
        Set(metrics.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { line -> String? in
            guard let end = line.firstIndex(where: { $0 == "{" || $0 == " " }) else { return nil }
            var name = String(line[..<end])
            for suffix in ["_bucket", "_count", "_sum"] where name.hasSuffix(suffix) { name = String(name.dropLast(suffix.count)) }
            return name
        })
    }

    @Test func documentedSeriesExistBeforeTheFirstMessage() async throws {
        let promtool = try Tools.require("promtool", package: "prometheus")
        let documented = try Self.documentedSeries()
        #expect(documented.contains("klaxon_false_positive_ratio") && documented.count >= 20, "\(documented)")
        let f = try await ServiceFixture()
        let port = try freePort()
        try f.writeConfig(httpListen: "127.0.0.1:\(port)", routesExtra: """
            escalation_policies:
              - name: oncall
                tiers:
                  - receivers: [pager]
                    delay: 15m
            """)
        try (try String(contentsOf: f.configFile, encoding: .utf8) + """

            coverage:
              inventory:
                - {image: "registry.example.com/shop/api:2.4", environment: prod}
            """).write(to: f.configFile, atomically: true, encoding: .utf8)
        let service = try f.startService()
        let base = "http://127.0.0.1:\(port)"
        var metrics = ""
        var missing: Set<String> = documented
        do {
            try await eventually("every documented series in /metrics", timeout: .seconds(30)) {
                guard let (status, body) = try? await HTTP.call("GET", base + "/metrics"), status == 200 else { return false }
                metrics = String(decoding: body, as: UTF8.self)
                missing = documented.subtracting(Self.present(metrics))
                return missing.isEmpty
            }
        } catch {
            Issue.record("missing: \(missing.sorted()); service stderr: \(service.stderr.suffix(1500))")
        }
        #expect(missing.isEmpty, "missing: \(missing.sorted())")
        // Nothing was produced: these are the primed zeros (and stored values), not counts.
        #expect(metrics.contains(#"klaxon_messages_consumed_total{topic="scans"} 0"#))
        #expect(metrics.contains(#"klaxon_false_positive_ratio{source="falco"} 0"#))
        #expect(metrics.contains(#"klaxon_notifications_total{receiver="pager",integration="webhook[0]",outcome="delivered"} 0"#))
        #expect(metrics.contains(#"klaxon_alerts_suppressed_total{reason="duplicate"} 0"#))
        #expect(metrics.contains(#"klaxon_escalations_total{policy="oncall",tier="1"} 0"#))
        let (status, out, err) = try await ChildProcess.run(promtool, ["check", "metrics"], input: Data(metrics.utf8), in: f.dir)
        #expect(status == 0, "promtool check metrics: \(out)\(err)")
        #expect(try await service.stop() == 0)
    }
}
