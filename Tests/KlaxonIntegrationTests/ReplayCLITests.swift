import Foundation
import KlaxonCore
import KlaxonKafka
import KlaxonService
import KlaxonStore
import KlaxonTesting
import Testing

/// `klaxon replay` run as an SRE would: stored history (or a topic range) through a candidate
/// config, compared with the current one — and nothing sent.
@Suite(.stopsServers) struct ReplayCLITests {
    static let sample = Tools.packageRoot.appendingPathComponent("samples/demo/trivy-shop-api.json")

    /// The current config (everything to a file receiver) and a candidate that suppresses
    /// CVE-2024-6387 and pages critical/high through a webhook at `webhook`.
    func configs(_ ws: Workspace, state: String, webhook: String, brokers: String = "127.0.0.1:9") throws -> (current: String, candidate: String) {
        let receivers = """
            receivers:
              - name: log
                file_configs: [{path: \(ws.path("alerts.jsonl"))}]
              - name: pager
                webhook_configs: [{url: "\(webhook)"}]
            """
        let current = try ws.write("current-routes.yml", """
            environment_thresholds: {}
            route:
              receiver: log
              group_by: [alertname]
            \(receivers)
            """)
        let candidate = try ws.write("candidate-routes.yml", """
            environment_thresholds: {}
            route:
              receiver: log
              group_by: [alertname]
              routes:
                - receiver: pager
                  matchers: ['severity=~"critical|high"']
                  continue: true
                - receiver: log
            \(receivers)
            suppressions:
              - name: accept-openssh
                vulnerability: CVE-2024-6387
                reason: sshd is not started in this image
                owner: secops
            """)
        func service(_ name: String, _ routes: String) throws -> String {
            try ws.write(name, """
                kafka:
                  brokers: \(brokers)
                  topics: [{name: \(ServiceFixture.scans)}]
                state: {path: \(state)}
                routes: [\(routes)]
                """)
        }
        return (try service("current.yml", current), try service("candidate.yml", candidate))
    }

    func sampleAlerts(at t: Date) throws -> DecodedReport {
        try Decoders.decode(try Data(contentsOf: Self.sample), format: .auto, context: DecodeContext(receivedAt: t))
    }

    /// Checks the JSON diff both history sources must produce for the sample.
    func expectSampleDiff(_ json: String) throws {
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], "\(json)")
        #expect(doc["changed"] as? Bool == true)
        #expect(doc["alerts"] as? Int == 4)
        let suppressed = try #require(doc["newlySuppressed"] as? [[String: Any]])
        #expect(suppressed.count == 1)
        #expect((suppressed.first?["alert"] as? [String: Any])?["name"] as? String == "CVE-2024-6387")
        #expect(suppressed.first?["reason"] as? String == "ignored")
        #expect((suppressed.first?["rule"] as? String)?.contains("'sshd is not started in this image'") == true)
        let receivers = try #require(doc["receivers"] as? [[String: Any]])
        func receiver(_ name: String) -> [String: Any] { receivers.first { $0["receiver"] as? String == name } ?? [:] }
        func names(_ r: [String: Any], _ key: String) -> [String] { (r[key] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String } }
        let pager = receiver("pager")
        #expect(names(pager, "gained") == ["CVE-2023-45853"])
        #expect((pager["notifications"] as? [String: Int]) == ["current": 0, "candidate": 1])
        #expect((pager["groups"] as? [String: Int]) == ["current": 0, "candidate": 1])
        let log = receiver("log")
        #expect(names(log, "lost") == ["CVE-2024-6387"] && names(log, "gained").isEmpty)
        #expect((log["groups"] as? [String: Int]) == ["current": 4, "candidate": 3])
    }

    @Test func storedHistoryShowsSuppressedAlertsAndTheGainingReceiverAndSendsNothing() async throws {
        let ws = try Workspace("replay")
        let recorder = WebhookRecorder()
        try await recorder.start()
        Teardown.register { await recorder.stop() }
        let state = ws.path("klaxon.db")
        let t = Date().addingTimeInterval(-2 * 86_400)
        let store = try AlertStore(database: try StateDatabase(path: state))
        try store.apply(BatchWrite(reports: try sampleAlerts(at: t).alerts.map { AlertReport(alert: $0, owner: "scans/0", receivedAt: t) }))
        let (current, candidate) = try configs(ws, state: state, webhook: recorder.url)

        let (status, json, err) = try await ChildProcess.run(Tools.klaxon, ["replay", "--config", candidate, "--against", current, "-o", "json"], in: ws.dir)
        #expect(status == 0, "\(err)")
        #expect(!err.contains("\r"), "no progress bar when stderr is not a terminal")
        try expectSampleDiff(json)

        let (text, out, _) = try await ChildProcess.run(Tools.klaxon, ["replay", "--config", candidate, "--against", current, "--fail-on-change"], in: ws.dir)
        #expect(text == 1)
        #expect(out.contains("replayed 4 event(s) of 4 alert(s)"))
        #expect(out.contains("newly suppressed (1):"))
        #expect(out.contains("pager:\n  + ") && out.contains("CVE-2023-45853 (high)"))

        // Alerts last seen two days ago are outside --since 1d: nothing to compare.
        let (recent, recentOut, _) = try await ChildProcess.run(
            Tools.klaxon, ["replay", "--config", candidate, "--against", current, "--since", "1d", "--fail-on-change"], in: ws.dir)
        #expect(recent == 0)
        #expect(recentOut.contains("replayed 0 event(s)") && recentOut.contains("no change"))

        // Nothing was sent: the candidate's webhook got no request, the file receiver no line.
        #expect(recorder.received.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: ws.path("alerts.jsonl")))
    }

    @Test func aTopicRangeIsDecodedAndReplayedTheSameWay() async throws {
        let f = try await ServiceFixture()
        let ws = try Workspace("replay")
        let producer = try f.producer()
        let noise = try await producer.send(topic: ServiceFixture.scans, value: Data("{\"not\": \"a report\"}".utf8))
        let scan = try await producer.send(topic: ServiceFixture.scans, value: try Data(contentsOf: Self.sample))
        await producer.close()
        #expect(noise.offset == 0 && scan.offset == 1)
        let (current, candidate) = try configs(ws, state: ws.path("none.db"), webhook: f.recorder.url, brokers: f.broker.bootstrapServers)

        let (status, json, err) = try await ChildProcess.run(
            Tools.klaxon,
            ["replay", "--config", candidate, "--against", current, "--topic", ServiceFixture.scans, "--from-offset", "1", "--to-offset", "1",
             "-o", "json"],
            in: ws.dir)
        #expect(status == 0, "\(err)")
        try expectSampleDiff(json)
        let (all, _, allErr) = try await ChildProcess.run(
            Tools.klaxon,
            ["replay", "--config", candidate, "--against", current, "--topic", ServiceFixture.scans, "--from-offset", "0", "--to-offset", "1"],
            in: ws.dir)
        #expect(all == 0)
        #expect(allErr.contains("skipped 1 undecodable message(s)"))
        #expect(f.recorder.received.isEmpty)
        await f.recorder.stop()
    }

    @Test func badArgumentsAndConfigsExitTwo() async throws {
        let ws = try Workspace("replay")
        let (current, candidate) = try configs(ws, state: ws.path("missing.db"), webhook: "http://127.0.0.1:9/x")
        let (noState, _, noStateErr) = try await ChildProcess.run(Tools.klaxon, ["replay", "--config", candidate, "--against", current], in: ws.dir)
        #expect(noState == 2 && noStateErr.contains("no state file at"))
        let bad = try ws.write("bad.yml", "kafka:\n  brokers: x\n  topics: [{name: a, colour: red}]\n")
        let (badStatus, _, badErr) = try await ChildProcess.run(Tools.klaxon, ["replay", "--config", bad, "--against", current], in: ws.dir)
        #expect(badStatus == 2)
        #expect(badErr.contains(#"kafka.topics[0].colour: unknown field "colour""#))
    }
}
