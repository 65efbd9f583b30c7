import Foundation
import KlaxonKafka
import KlaxonCore
import KlaxonStore
import KlaxonTesting
import Testing

/// Silences, inhibition and hot reload through the running service's API and signals.
@Suite(.stopsServers) struct SilenceAndReloadTests {
    let token = "t0ken-\(UUID().uuidString.prefix(6))"

    /// A service with its HTTP API on a free port and `token` as the API token.
    func start(_ f: ServiceFixture, routesExtra: String = "") async throws -> (ChildProcess, String) {
        let port = try freePort()
        try f.writeConfig(httpListen: "127.0.0.1:\(port)", routesExtra: routesExtra)
        let service = try f.startService(environment: ["KLAXON_API_TOKEN": token])
        let base = "http://127.0.0.1:\(port)"
        try await eventually("the API answers", watching: service) { (try? await HTTP.call("GET", base + "/readyz").0) == 200 }
        return (service, base)
    }

    @Test func silencesMuteCountAndExpireThroughTheCLIAndAPI() async throws {
        let f = try await ServiceFixture()
        let (service, base) = try await start(f)
        let env = ["KLAXON_API_TOKEN": token, "KLAXON_URL": base]

        // State changes need the token.
        let body: [String: Any] = ["matchers": ["cve=CVE-2024-6387"], "endsOnResolve": true, "createdBy": "me", "comment": "x"]
        #expect(try await HTTP.call("POST", base + "/api/v1/silences", json: body).0 == 401)
        #expect(try await HTTP.call("POST", base + "/api/v1/silences", token: "wrong", json: body).0 == 401)
        let (bad, badBody) = try await HTTP.call("POST", base + "/api/v1/silences", token: token, json: ["matchers": ["cve=~\".*\""], "endsOnResolve": true, "createdBy": "me", "comment": "x"])
        #expect(bad == 400)
        #expect(HTTP.object(badBody)["error"] as? String == "at least one matcher must not match the empty string")

        let (added, id, addErr) = try await f.klaxon(
            ["silence", "add", "cve=CVE-2024-6387", "--comment", "patch rolling out", "--author", "alice", "--duration", "1h"], environment: env)
        #expect(added == 0, "\(addErr)")
        let silenceID = id.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(silenceID.count == 36)

        let producer = try f.producer()
        try await producer.send(topic: ServiceFixture.scans, value: try Data(contentsOf: ServiceFixture.sample("trivy-shop-api.json")))
        try await eventually("the 3 unsilenced alerts are delivered") { f.fileAlerts().count >= 3 }
        try await f.settled(base, records: 1)
        #expect(!f.fileAlerts().contains { ($0["labels"] as? [String: String])?["cve"] == "CVE-2024-6387" })
        #expect(try await HTTP.text(base + "/metrics").contains(#"klaxon_alerts_suppressed_total{reason="silenced"} 1"#))

        let (_, list, _) = try await f.klaxon(["silence", "list"], environment: env)
        #expect(list.contains(silenceID) && list.contains("active") && list.contains(#"cve="CVE-2024-6387""#) && list.contains("alice"))

        // Expiring it lets the next group flush notify the alert.
        let (expired, _, expireErr) = try await f.klaxon(["silence", "expire", silenceID], environment: env)
        #expect(expired == 0, "\(expireErr)")
        try await eventually("the formerly silenced alert is delivered") {
            f.fileAlerts().contains { ($0["labels"] as? [String: String])?["cve"] == "CVE-2024-6387" }
        }
        let (_, one) = try await HTTP.call("GET", base + "/api/v1/silences/\(silenceID)")
        #expect((HTTP.object(one)["status"] as? [String: Any])?["state"] as? String == "expired")
        #expect(try await service.stop() == 0)

        let audit = try AuditLog(database: StateDatabase(path: f.statePath)).entries()
        #expect(audit.map(\.action) == ["silence.expire", "silence.create"])
        #expect(audit.last?.actor == "alice")
    }

    @Test func anOnResolveSilenceEndsWhenItsAlertResolves() async throws {
        let f = try await ServiceFixture()
        let (service, base) = try await start(f)
        let (status, created) = try await HTTP.call(
            "POST", base + "/api/v1/silences", token: token,
            json: ["matchers": [["name": "cve", "value": "CVE-2024-2511", "isRegex": false]], "endsOnResolve": true, "createdBy": "bob", "comment": "fix merged"])
        #expect(status == 200)
        let id = try #require(HTTP.object(created)["silenceID"] as? String)

        let producer = try f.producer()
        let full = try Data(contentsOf: ServiceFixture.sample("trivy-shop-api.json"))
        try await producer.send(topic: ServiceFixture.scans, value: full)
        try await eventually("3 alerts delivered") { f.fileAlerts().count >= 3 }
        // The re-scan no longer finds the silenced CVE: it resolves and the silence ends.
        var report = try #require(try JSONSerialization.jsonObject(with: full) as? [String: Any])
        var results = try #require(report["Results"] as? [[String: Any]])
        results[0]["Vulnerabilities"] = (results[0]["Vulnerabilities"] as? [[String: Any]] ?? []).filter { $0["VulnerabilityID"] as? String != "CVE-2024-2511" }
        report["Results"] = results
        try await producer.send(topic: ServiceFixture.scans, value: try JSONSerialization.data(withJSONObject: report))
        try await eventually("the silence expired with its alert") {
            let (_, one) = try await HTTP.call("GET", base + "/api/v1/silences/\(id)")
            return (HTTP.object(one)["status"] as? [String: Any])?["state"] as? String == "expired"
        }
        #expect(try await service.stop() == 0)
    }

    @Test func withoutATokenStateChangesAreRefused() async throws {
        let f = try await ServiceFixture()
        let port = try freePort()
        try f.writeConfig(httpListen: "127.0.0.1:\(port)")
        let service = try f.startService(environment: ["KLAXON_API_TOKEN": ""])
        let base = "http://127.0.0.1:\(port)"
        try await eventually("the API answers", watching: service) { (try? await HTTP.call("GET", base + "/healthz").0) == 200 }
        let (status, body) = try await HTTP.call("POST", base + "/-/reload", token: "anything")
        #expect(status == 403)
        #expect((HTTP.object(body)["error"] as? String)?.contains("no API token is configured") == true)
        #expect(try await HTTP.call("GET", base + "/api/v1/silences").0 == 200, "reads stay open")
        #expect(try await service.stop() == 0)
    }

    @Test func inhibitionMutesLesserAlertsOnTheSameImage() async throws {
        let f = try await ServiceFixture()
        let (service, base) = try await start(f, routesExtra: """
            inhibit_rules:
              - source_matchers: ['severity="critical"']
                target_matchers: ['severity=~"high|medium|low"']
                equal: [image]
            """)
        let producer = try f.producer()
        try await producer.send(topic: ServiceFixture.scans, value: try Data(contentsOf: ServiceFixture.sample("trivy-shop-api.json")))
        try await eventually("the critical alert is delivered") { !f.fileAlerts().isEmpty }
        try await f.settled(base, records: 1)
        let delivered = f.fileAlerts().compactMap { ($0["labels"] as? [String: String])?["severity"] }
        #expect(delivered == ["critical"])
        #expect(try await HTTP.text(base + "/metrics").contains(#"klaxon_alerts_suppressed_total{reason="inhibited"} 3"#))
        #expect(try await service.stop() == 0)
    }

    @Test func reloadTakesAGoodConfigAndRefusesABadOne() async throws {
        let f = try await ServiceFixture()
        let (service, base) = try await start(f)
        #expect(try await HTTP.text(base + "/metrics").contains("klaxon_config_last_reload_successful 1"))

        // A broken routes file: SIGHUP refuses it, the old config keeps routing.
        let good = try String(contentsOf: f.routesFile, encoding: .utf8)
        try (good + "\n  - name: log\n").write(to: f.routesFile, atomically: true, encoding: .utf8)
        kill(service.process.processIdentifier, SIGHUP)
        try await eventually("the refused reload shows in metrics") {
            try await HTTP.text(base + "/metrics").contains("klaxon_config_last_reload_successful 0")
        }
        let producer = try f.producer()
        let falco = try String(contentsOf: ServiceFixture.sample("falco-events.jsonl"), encoding: .utf8).split(separator: "\n").map { Data($0.utf8) }
        try await producer.send(topic: ServiceFixture.runtime, value: falco[0])
        try await eventually("the old config still delivers") { f.fileAlerts().count >= 1 }

        // A good one that also pages everything through the webhook: POST /-/reload takes it.
        let paging = good.replacingOccurrences(of: #"matchers: ['severity=~"critical|high"']"#, with: #"matchers: ['severity=~".+"']"#)
        try paging.write(to: f.routesFile, atomically: true, encoding: .utf8)
        #expect(try await HTTP.call("POST", base + "/-/reload").0 == 401)
        #expect(!(try await HTTP.text(base + "/api/v2/status").contains(#"severity=~\".+\""#)), "the API shows the config in force")
        let (status, body) = try await HTTP.call("POST", base + "/-/reload", token: token)
        #expect(status == 200, "\(String(decoding: body, as: UTF8.self))")
        #expect(try await HTTP.text(base + "/metrics").contains("klaxon_config_last_reload_successful 1"))
        // Once the reload answered, the API reads the new snapshot.
        let statusAfter = try await HTTP.text(base + "/api/v2/status")
        #expect(statusAfter.contains(#"severity=~\".+\""#), "\(statusAfter.prefix(2000))")
        try await producer.send(topic: ServiceFixture.runtime, value: falco[1])
        try await eventually("the new route pages the medium alert") {
            f.webhookAlerts().contains { ($0["labels"] as? [String: String])?["severity"] == "medium" }
        }
        #expect(try await service.stop() == 0)
        let actions = try AuditLog(database: StateDatabase(path: f.statePath)).entries().map(\.action)
        #expect(actions == ["config.reload", "config.reload.failed"])
    }

    @Test func silencesSurviveARestartAndAcksAndResolutionsAreAudited() async throws {
        let f = try await ServiceFixture()
        let port = try freePort()
        try f.writeConfig(httpListen: "127.0.0.1:\(port)")
        let base = "http://127.0.0.1:\(port)"
        let env = ["KLAXON_API_TOKEN": token, "KLAXON_URL": base]
        var service = try f.startService(environment: env)
        try await eventually("the API answers", watching: service) { (try? await HTTP.call("GET", base + "/readyz").0) == 200 }
        let (_, id, _) = try await f.klaxon(["silence", "add", "cve=CVE-2024-2511", "--comment", "vendor patch Friday", "--duration", "2h"], environment: env)
        #expect(try await service.stop() == 0)

        service = try f.startService(environment: env)
        try await eventually("the API answers again") { (try? await HTTP.call("GET", base + "/readyz").0) == 200 }
        let (_, one) = try await HTTP.call("GET", base + "/api/v1/silences/\(id.trimmingCharacters(in: .whitespacesAndNewlines))")
        #expect((HTTP.object(one)["status"] as? [String: Any])?["state"] as? String == "active")
        let producer = try f.producer()
        try await producer.send(topic: ServiceFixture.scans, value: try Data(contentsOf: ServiceFixture.sample("trivy-shop-api.json")))
        try await eventually("3 alerts delivered") { f.fileAlerts().count >= 3 }
        try await f.settled(base, records: 1)
        #expect(!f.fileAlerts().contains { ($0["labels"] as? [String: String])?["cve"] == "CVE-2024-2511" }, "the silence still mutes after a restart")

        // Acknowledge, then resolve by hand: the receivers hear about the resolution.
        let openssh = try #require(try f.store().states().first { $0.alert.labels["cve"] == "CVE-2024-6387" }).alert.fingerprint.description
        #expect(try await f.klaxon(["alerts", "resolve", "ffffffffffffffff"], environment: env).0 != 0)
        let (ack, _, ackErr) = try await f.klaxon(["alerts", "ack", openssh], environment: env)
        #expect(ack == 0, "\(ackErr)")
        let (again, _, againErr) = try await f.klaxon(["alerts", "ack", openssh], environment: env)
        #expect(again != 0 && againErr.contains("HTTP 409"))
        let (_, listed, _) = try await f.klaxon(["alerts", "list", "--status", "acknowledged"], environment: env)
        #expect(listed.contains(openssh))
        let (resolved, _, resolveErr) = try await f.klaxon(["alerts", "resolve", openssh], environment: env)
        #expect(resolved == 0, "\(resolveErr)")
        try await eventually("the resolved notification") {
            f.fileAlerts().contains { $0["status"] as? String == "resolved" && $0["fingerprint"] as? String == openssh }
        }
        #expect(try await service.stop() == 0)
        let fingerprint = try #require(Fingerprint(hex: openssh))
        let state = try #require(try f.store().state(of: fingerprint))
        #expect(state.status == .resolved && state.acknowledgedAt != nil && state.resolvedAt != nil)
        let actions = try AuditLog(database: StateDatabase(path: f.statePath)).entries().map(\.action)
        #expect(actions == ["alert.resolve", "alert.ack", "silence.create"])
    }
}
