import Foundation
import KlaxonTesting
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The incident loop through the running service: history over the API and the CLI, the
/// lifecycle histograms and gauges in `/metrics`, scraped by a real Prometheus.
@Suite(.stopsServers) struct LifecycleMetricsTests {
    @Test func historyAndMeasuresReachMetricsAndPrometheus() async throws {
        let promtool = try Tools.require("promtool", package: "prometheus")
        let prometheus = try Tools.require("prometheus", package: "prometheus")
        let f = try await ServiceFixture()
        do { try await scenario(f, promtool: promtool, prometheus: prometheus) } catch {
            await f.recorder.stop()
            throw error
        }
        await f.recorder.stop()
    }

    func scenario(_ f: ServiceFixture, promtool: String, prometheus: String) async throws {
        let port = try freePort()
        let base = "http://127.0.0.1:\(port)"
        try f.writeConfig(httpListen: "127.0.0.1:\(port)")
        let producer = try f.producer()
        let service = try f.startService(environment: ["KLAXON_API_TOKEN": "tok"])

        let reports = AlertLifecycleTests()
        try await producer.send(topic: ServiceFixture.scans, value: try reports.trivyReport())
        try await eventually("4 firing alerts delivered") { f.fileAlerts().count >= 4 }
        let before = try await HTTP.text("\(base)/metrics")
        #expect(before.contains(#"klaxon_sla_breaches_total{severity="critical",kind="acknowledge"} 0"#), "primed at zero")
        #expect(before.contains(#"klaxon_time_to_detect_seconds_count{severity="critical",source="falco"} 0"#), "configured source primed")
        #expect(before.contains("klaxon_build_info{version="))
        #expect(before.contains("process_cpu_seconds_total"))
        #expect(before.contains(#"klaxon_consumer_lag{topic="scans",partition="0"} 0.0"#), "\(before)")
        // The state stage's lag behind the ingest stage, on the internal topic.
        #expect(before.contains(#"klaxon_consumer_lag{topic="\#(ServiceFixture.alerts)",partition="#), "\(before)")
        #expect(before.contains("klaxon_ingest_handoffs_aborted_total 0"), "primed at zero")

        // Acknowledge one alert by hand, then a re-scan without CVE-2024-6387 resolves it.
        let list = try JSONSerialization.jsonObject(with: try await HTTP.call("GET", "\(base)/api/v1/alerts").1) as? [[String: Any]] ?? []
        let fixed = try #require(list.first { ($0["labels"] as? [String: String])?["cve"] == "CVE-2024-6387" })
        let fp = try #require(fixed["fingerprint"] as? String)
        let (ackStatus, _) = try await HTTP.call("POST", "\(base)/api/v1/alerts/\(fp)/ack", token: "tok")
        #expect(ackStatus == 200)
        try await producer.send(topic: ServiceFixture.scans, value: try reports.trivyReport(without: ["CVE-2024-6387"]))
        try await eventually("the resolved notification") { f.fileAlerts().contains { $0["status"] as? String == "resolved" } }

        let (code, body) = try await HTTP.call("GET", "\(base)/api/v1/alerts/\(fp)/history")
        #expect(code == 200)
        let events = try JSONSerialization.jsonObject(with: body) as? [[String: Any]] ?? []
        let kinds = events.map { $0["kind"] as? String ?? "" }
        #expect(kinds.first == "opened" && kinds.dropFirst().first == "notified", "\(kinds)")
        let ackAt = try #require(kinds.firstIndex(of: "acknowledged"), "\(kinds)")
        let resolvedAt = try #require(kinds.firstIndex(of: "resolved"), "\(kinds)")
        #expect(ackAt < resolvedAt)
        #expect(events.first { $0["kind"] as? String == "resolved" }?["actor"] as? String == "scan")
        #expect(events.contains { $0["kind"] as? String == "notified" && $0["delivery"] != nil }, "outbox status joined")
        let (cli, out, err) = try await f.klaxon(["alerts", "history", fp, "--url", base])
        #expect(cli == 0, "\(err)")
        #expect(out.contains("acknowledged") && out.contains("resolved") && out.contains("scan"), "\(out)")

        var metrics = ""
        try await eventually("MTTR observed") {
            metrics = try await HTTP.text("\(base)/metrics")
            return metrics.range(of: #"klaxon_time_to_resolve_seconds_count\{severity="[a-z]+",source="trivy"\} 1"#, options: .regularExpression) != nil
        }
        #expect(metrics.range(of: #"klaxon_time_to_acknowledge_seconds_count\{severity="[a-z]+",source="trivy"\} 1"#, options: .regularExpression) != nil)
        #expect(metrics.range(of: #"klaxon_alerts\{status="resolved",severity="[a-z]+",source="trivy"\} 1\.0"#, options: .regularExpression) != nil)
        // The report: the resolved finding's MTTR, as a table and as CSV.
        let (rc, table, reportErr) = try await f.klaxon(["report", "--since", "1d", "--by", "severity,source", "--url", base])
        #expect(rc == 0, "\(reportErr)")
        #expect(table.contains("MTTR p50") && table.contains("TOTAL"), "\(table)")
        let critical = try #require(table.split(separator: "\n").first { $0.hasPrefix("critical") && $0.contains("trivy") }, "\(table)")
        let cells = critical.split(separator: " ", omittingEmptySubsequences: true)
        #expect(cells[2...5] == ["1", "0", "1", "1"], "alerts, open, acked, resolved: \(critical)")
        let (_, csv, _) = try await f.klaxon(["report", "--since", "1d", "--by", "severity", "--format", "csv", "--url", base])
        let row = try #require(csv.split(separator: "\n").first { $0.hasPrefix("critical,") }, "\(csv)")
        #expect(row.split(separator: ",", omittingEmptySubsequences: false)[10].isEmpty == false, "an MTTR median: \(row)")
        let (listed, listOut, listErr) = try await f.klaxon(["alerts", "list", "severity=critical", "cve=~CVE-2024-.*", "-o", "json", "--url", base])
        #expect(listed == 0, "\(listErr)")
        let only = (try JSONSerialization.jsonObject(with: Data(listOut.utf8)) as? [[String: Any]] ?? []).map { $0["fingerprint"] as? String }
        #expect(only == [fp], "\(listOut)")
        let (badMatcher, _, badMatcherErr) = try await f.klaxon(["alerts", "list", "severity~critical", "--url", base])
        #expect(badMatcher != 0 && badMatcherErr.contains("bad matcher"), "\(badMatcherErr)")
        let (audited, auditOut, auditErr) = try await f.klaxon(
            ["audit", "--action", "alert.ack", "--since", "1h", "--url", base], environment: ["KLAXON_API_TOKEN": "tok"])
        #expect(audited == 0, "\(auditErr)")
        #expect(auditOut.contains("alert.ack") && auditOut.contains(fp), "\(auditOut)")
        let (refused, _, refusedErr) = try await f.klaxon(["audit", "--url", base], environment: ["KLAXON_API_TOKEN": "wrong"])
        #expect(refused != 0 && refusedErr.contains("401"), "\(refusedErr)")
        let (bad, _, badErr) = try await f.klaxon(["report", "--format", "xml", "--url", base])
        #expect(bad != 0 && badErr.contains("--format must be table, json or csv"))

        let (status, lint, lintErr) = try await ChildProcess.run(promtool, ["check", "metrics"], input: Data(metrics.utf8), in: f.dir)
        #expect(status == 0, "promtool check metrics: \(lint)\(lintErr)")

        // A real Prometheus scrapes the service and answers a histogram_quantile query.
        let promPort = try freePort()
        try """
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: klaxon
                static_configs:
                  - targets: ['127.0.0.1:\(port)']
            """.write(to: f.dir.appendingPathComponent("prometheus.yml"), atomically: true, encoding: .utf8)
        let prom = try ChildProcess(
            prometheus,
            ["--config.file=prometheus.yml", "--storage.tsdb.path=prom-data", "--web.listen-address=127.0.0.1:\(promPort)"], in: f.dir)
        let query = "histogram_quantile(0.9, sum by (le) (klaxon_time_to_resolve_seconds_bucket{source=\"trivy\"}))"
        var answer: [String: Any] = [:]
        do {
            try await eventually("Prometheus answers the quantile", timeout: .seconds(90)) {
                var url = URLComponents(string: "http://127.0.0.1:\(promPort)/api/v1/query")!
                url.queryItems = [URLQueryItem(name: "query", value: query)]
                guard let (data, _) = try? await URLSession.shared.data(from: url.url!) else { return false }
                answer = HTTP.object(data)
                let result = (answer["data"] as? [String: Any])?["result"] as? [[String: Any]] ?? []
                return !result.isEmpty
            }
        } catch {
            _ = try? await prom.stop()
            throw error
        }
        #expect(try await prom.stop() == 0, "\(prom.stderr.suffix(1000))")
        let result = try #require(((answer["data"] as? [String: Any])?["result"] as? [[String: Any]])?.first)
        let value = try #require((result["value"] as? [Any])?.last as? String)
        #expect(Double(value).map { $0.isFinite && $0 >= 0 } == true, "quantile \(value)")
        #expect(try await service.stop() == 0)
    }
}
