import Foundation
import KlaxonTesting
import Testing

/// `klaxon alerts list` against the running service, with amtool's state flags: by default
/// only active alerts (neither silenced nor inhibited); `-s/--silenced`, `-i/--inhibited` and
/// `-a/--active` select what is shown; `-o json` carries what mutes each alert.
@Suite(.serialized, .stopsServers) struct AlertsListTests {
    @Test func stateFlagsSelectActiveSilencedAndInhibitedAlerts() async throws {
        let f = try await ServiceFixture()
        try await f.run(scenario)
    }

    func scenario(_ f: ServiceFixture) async throws {
        let port = try freePort()
        let base = "http://127.0.0.1:\(port)"
        try f.writeConfig(httpListen: "127.0.0.1:\(port)", routesExtra: """
            inhibit_rules:
              - source_matchers: ['cve="CVE-2024-6387"']
                target_matchers: ['cve="CVE-2024-2511"']
                equal: [image]
            """)
        let producer = try f.producer()
        try await EscalationTests().running(f, VirtualNow(Date())) { _ in
            try await eventually("the API listening") { (try? await HTTP.call("GET", base + "/healthz"))?.0 == 200 }
            let (status, created) = try await HTTP.call(
                "POST", base + "/api/v1/silences", token: "tok",
                json: ["matchers": ["cve=CVE-2023-45853"], "endsAt": Date().addingTimeInterval(3600).formatted(.iso8601), "createdBy": "alice", "comment": "zlib rebuild under way"])
            #expect(status == 200)
            let silence = try #require(HTTP.object(created)["silenceID"] as? String)
            try await producer.send(topic: ServiceFixture.scans, value: try Data(contentsOf: ServiceFixture.sample("trivy-shop-api.json")))
            try await eventually("four alerts stored, the unmuted two delivered") {
                try f.store().states().count == 4 && f.fileAlerts().count >= 2
            }

            func cves(_ flags: [String]) async throws -> [String] {
                let (rc, out, err) = try await f.klaxon(["alerts", "list", "-o", "json", "--url", base] + flags)
                #expect(rc == 0, "\(err)")
                let list = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[String: Any]] ?? []
                return list.compactMap { ($0["labels"] as? [String: String])?["cve"] }.sorted()
            }
            try await eventually("the inhibition is in force") { try await cves(["--inhibited"]) == ["CVE-2024-2511"] }
            #expect(try await cves([]) == ["CVE-2011-3374", "CVE-2024-6387"], "active only by default, as amtool")
            #expect(try await cves(["--silenced"]) == ["CVE-2023-45853"])
            #expect(try await cves(["-s"]) == ["CVE-2023-45853"])
            #expect(try await cves(["-a", "-s"]) == ["CVE-2011-3374", "CVE-2023-45853", "CVE-2024-6387"])
            #expect(try await cves(["-a", "-s", "-i"]).count == 4)
            #expect(try await cves(["-s", "-i", "severity=medium"]) == ["CVE-2024-2511"], "matchers still apply")

            let (_, json, _) = try await f.klaxon(["alerts", "list", "--silenced", "-o", "json", "--url", base])
            let silenced = try #require((try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])?.first)
            #expect(silenced["silencedBy"] as? [String] == [silence])
            let (_, table, _) = try await f.klaxon(["alerts", "list", "-s", "-i", "--url", base])
            #expect(table.contains("MUTED") && table.contains("silenced by \(silence)") && table.contains("inhibited"), "\(table)")

            // A status that does not exist is refused, by the CLI and by the API, naming the valid ones.
            #expect(try await cves(["--status", "firing"]).count == 2)
            let (bad, badOut, badErr) = try await f.klaxon(["alerts", "list", "--status", "silenced", "--url", base])
            #expect(bad != 0 && badOut.isEmpty)
            #expect(badErr.hasPrefix(#"klaxon: error: --status must be one of firing, acknowledged, resolved, got "silenced""#), "\(badErr)")
            let (apiStatus, apiBody) = try await HTTP.call("GET", base + "/api/v1/alerts?status=silenced")
            #expect(apiStatus == 400)
            #expect(HTTP.object(apiBody)["error"] as? String == #"status must be one of firing, acknowledged, resolved, got "silenced""#)
        }
    }

    /// The false-positive rate per source joins the report: a mark made through the API shows
    /// in `klaxon report --by source` (table and CSV) and in `/metrics`.
    @Test func aFalsePositiveMarkShowsInTheReportPerSource() async throws {
        let f = try await ServiceFixture()
        try await f.run(falsePositives)
    }

    func falsePositives(_ f: ServiceFixture) async throws {
        let port = try freePort()
        let base = "http://127.0.0.1:\(port)"
        try f.writeConfig(httpListen: "127.0.0.1:\(port)")
        let producer = try f.producer()
        try await EscalationTests().running(f, VirtualNow(Date())) { _ in
            try await producer.send(topic: ServiceFixture.scans, value: try Data(contentsOf: ServiceFixture.sample("trivy-shop-api.json")))
            try await producer.send(topic: ServiceFixture.runtime, value: try CoverageTests.falcoEvent("shop/api", tag: "1", at: Date()))
            try await eventually("five alerts stored") { try f.store().states().count == 5 }
            try await eventually("the API listening") { (try? await HTTP.call("GET", base + "/healthz"))?.0 == 200 }
            let apt = try #require(try f.store().states().first { $0.alert.labels["cve"] == "CVE-2011-3374" })
            let (marked, _) = try await HTTP.call(
                "POST", "\(base)/api/v1/alerts/\(apt.alert.fingerprint)/false-positive", token: "tok",
                json: ["reason": "apt's CVE-2011-3374 is disputed and unexploitable here"])
            #expect(marked == 200)

            let (rc, csv, err) = try await f.klaxon(["report", "--since", "1d", "--by", "source", "--format", "csv", "--url", base])
            #expect(rc == 0, "\(err)")
            let rows = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
            let column = try #require(rows.first?.firstIndex(of: "false_positive_rate"))
            #expect(rows.first { $0.first == "trivy" }?[column] == "0.2500", "one of trivy's four: \(csv)")
            #expect(rows.first { $0.first == "falco" }?[column] == "0.0000", "\(csv)")
            let (_, table, _) = try await f.klaxon(["report", "--since", "1d", "--by", "source", "--url", base])
            let trivy = try #require(table.split(separator: "\n").first { $0.hasPrefix("trivy") }, "\(table)")
            #expect(trivy.hasSuffix("25%"), "FALSE POS is the last column: \(trivy)")
            let metrics = try await HTTP.text("\(base)/metrics")
            #expect(metrics.contains(#"klaxon_false_positive_ratio{source="trivy"} 0.25"#), "\(metrics)")
        }
    }
}
