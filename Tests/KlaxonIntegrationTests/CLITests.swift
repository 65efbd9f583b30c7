import Foundation
import KlaxonTesting
import Testing

/// The `klaxon` commands SRE teams use to tune routes and inspect inputs.
@Suite(.stopsServers) struct CLITests {
    let root = Tools.packageRoot

    @Test func routeCasesFilePassesAndAFailingCaseExitsNonZero() async throws {
        let (ok, out, err) = try await ChildProcess.run(
            Tools.klaxon, ["routes", "test", "--config", "routes", "--cases", "routes/tests/default-cases.yml"], in: root)
        #expect(ok == 0, "\(out)\(err)")
        #expect(out.contains("3 passed, 0 failed"))

        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("klaxon-cases-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases = dir.appendingPathComponent("bad.yml")
        try "cases:\n  - name: wrong expectation\n    labels: {severity: low}\n    expect:\n      receivers: [oncall-webhook]\n"
            .write(to: cases, atomically: true, encoding: .utf8)
        let (bad, badOut, _) = try await ChildProcess.run(Tools.klaxon, ["routes", "test", "--config", "routes", "--cases", cases.path], in: root)
        #expect(bad == 1)
        #expect(badOut.contains("FAIL    wrong expectation"))
        #expect(badOut.contains(#"receivers: expected ["oncall-webhook"], got ["security-log"]"#))
        #expect(badOut.contains("0 passed, 1 failed"))
    }

    @Test func routesTestAgreesWithAmtoolOnSampledCases() async throws {
        let shared = root.deletingLastPathComponent().appendingPathComponent("shared/routing")
        guard FileManager.default.fileExists(atPath: shared.path) else {
            #expect(ProcessInfo.processInfo.environment["CI"] != "true", "../shared/routing is missing in CI")
            return
        }
        let lines = try String(contentsOf: shared.appendingPathComponent("cases.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 200)
        for line in lines.enumerated().filter({ $0.offset % 20 == 0 }).map(\.element) {
            let c = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let labels = try #require(c["labels"] as? [String: String])
            let expected = try #require(c["receivers"] as? [String])
            let args = ["routes", "test", "--config", shared.appendingPathComponent("alertmanager.yml").path]
                + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            let (status, out, err) = try await ChildProcess.run(Tools.klaxon, args, in: root)
            #expect(status == 0, "\(err)")
            #expect(out.trimmingCharacters(in: .whitespacesAndNewlines) == expected.joined(separator: ","), "labels \(labels)")
        }
    }

    @Test func routesShowPrintsTheTreeWithInheritedSettings() async throws {
        let (status, out, _) = try await ChildProcess.run(Tools.klaxon, ["routes", "show", "--config", "routes"], in: root)
        #expect(status == 0)
        let lines = out.split(separator: "\n")
        #expect(lines.first?.hasPrefix("{} → security-log") == true)
        #expect(lines.first?.contains("group_wait=2s") == true)
        #expect(lines.contains { $0.contains(#"{severity=~"critical|high|fatal"} → oncall-webhook"#) })
    }

    @Test func decodePrintsATableOrJSON() async throws {
        let sample = "samples/demo/trivy-shop-api.json"
        let (status, table, err) = try await ChildProcess.run(Tools.klaxon, ["decode", sample], in: root)
        #expect(status == 0)
        #expect(err.contains("4 alert(s), format trivy"))
        #expect(table.contains("CVE-2024-6387") && table.contains("critical"))
        let (jsonStatus, json, _) = try await ChildProcess.run(Tools.klaxon, ["decode", "--json", sample], in: root)
        #expect(jsonStatus == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect((object["alerts"] as? [Any])?.count == 4)
        let (bad, _, badErr) = try await ChildProcess.run(Tools.klaxon, ["decode", "--format", "falco", sample], in: root)
        #expect(bad != 0)
        #expect(badErr.contains(sample))
    }

    @Test func silenceImportTakesAlertmanagerExportsAndSkipsExpired() async throws {
        let f = try await ServiceFixture()
        let port = try freePort()
        try f.writeConfig(httpListen: "127.0.0.1:\(port)")
        let service = try f.startService(environment: ["KLAXON_API_TOKEN": "tok"])
        let base = "http://127.0.0.1:\(port)"
        try await eventually("the API answers", watching: service) { (try? await HTTP.call("GET", base + "/healthz").0) == 200 }
        let export = """
            [
              {"id": "a1", "status": {"state": "active"}, "createdBy": "carol", "comment": "maintenance",
               "startsAt": "2026-01-01T00:00:00.000Z", "endsAt": "2099-01-01T00:00:00.000Z",
               "matchers": [{"name": "alertname", "value": "DiskFull", "isRegex": false, "isEqual": true},
                            {"name": "team", "value": "db|web", "isRegex": true, "isEqual": true}]},
              {"id": "b2", "status": {"state": "expired"}, "createdBy": "dan", "comment": "old",
               "startsAt": "2025-01-01T00:00:00Z", "endsAt": "2025-01-02T00:00:00Z",
               "matchers": [{"name": "alertname", "value": "Old", "isRegex": false}]}
            ]
            """
        let file = f.dir.appendingPathComponent("silences.json")
        try export.write(to: file, atomically: true, encoding: .utf8)
        let env = ["KLAXON_API_TOKEN": "tok", "KLAXON_URL": base]
        let (status, out, err) = try await f.klaxon(["silence", "import", file.path], environment: env)
        #expect(status == 0, "\(err)")
        #expect(out.contains("imported 1, skipped 1"))
        let (_, list, _) = try await f.klaxon(["silence", "list"], environment: env)
        #expect(list.contains(#"alertname="DiskFull" team=~"db|web""#) && list.contains("carol"))
        #expect(try await service.stop() == 0)
    }
}
