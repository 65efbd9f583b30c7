import Foundation
import KlaxonKafka
import KlaxonTesting
import Testing

/// Alertmanager's API v2 against its real peers: Prometheus pushing alerts, amtool managing
/// silences and reading alerts and the routing tree, and a `kill -9` right after a push was
/// answered. Each test runs `klaxon run` on its own broker, state file and webhook recorder.
/// Routes match on `team` and `alertname` (`AlertmanagerLabelsTests` covers `severity`).
@Suite(.serialized, .stopsServers) struct AlertmanagerAPITests {
    static let token = "am-token"

    /// klaxon.yml for `f` (HTTP on `port`, `alertmanager_api` as given) and routes sending
    /// `team="web"` to the recorder's webhook and everything to the file sink.
    func configure(_ f: ServiceFixture, port: Int, api: String = "") throws {
        try f.writeConfig(httpListen: "127.0.0.1:\(port)\n\(api)")
        try """
            route:
              receiver: log
              group_by: [alertname]
              group_wait: 0s
              group_interval: 1s
              routes:
                - receiver: team-web
                  matchers: ['team="web"']
                  continue: true
            receivers:
              - name: log
                file_configs:
                  - path: \(f.alertsFile.path)
              - name: team-web
                webhook_configs:
                  - url: \(f.recorder.url)
                    send_resolved: true
            inhibit_rules:
              - source_matchers: ['alertname="Outage"']
                target_matchers: ['alertname="DiskFull"']
                equal: [team]
            """.write(to: f.routesFile, atomically: true, encoding: .utf8)
    }

    /// `klaxon run` for `f` with the API token, configured as above, once it is ready.
    func startKlaxon(_ f: ServiceFixture) async throws -> (base: String, service: ChildProcess) {
        let port = try freePort()
        let base = "http://127.0.0.1:\(port)"
        try configure(f, port: port)
        let service = try f.startService(environment: ["KLAXON_API_TOKEN": Self.token])
        do { try await waitReady(base, service) } catch {
            _ = try? await service.stop()
            throw error
        }
        return (base, service)
    }

    func waitReady(_ base: String, _ service: ChildProcess) async throws {
        try await eventually("the service is ready", watching: service) {
            (try? await HTTP.call("GET", base + "/-/ready"))?.0 == 200
        }
    }

    /// Alerts the webhook received with this status and alertname.
    func webhook(_ f: ServiceFixture, status: String, alertname: String) -> [[String: Any]] {
        f.webhookAlerts().filter {
            $0["status"] as? String == status && ($0["labels"] as? [String: String])?["alertname"] == alertname
        }
    }

    // MARK: Prometheus

    @Test func prometheusPushesAFiringAlertAndItsResolutionThroughTheRoutingTree() async throws {
        let prometheus = try Tools.require("prometheus", package: "prometheus")
        let f = try await ServiceFixture()
        try await f.run { f in
            let (base, service) = try await startKlaxon(f)

            let rules = f.dir.appendingPathComponent("prometheus/rules.yml")
            func writeRule(_ expr: String) throws { try Self.writeRule(expr, to: rules) }
            let prom = try startPrometheus(prometheus, f, klaxon: base)
            do {
                try await eventually("the firing alert reaches the team-web webhook through Klaxon", timeout: .seconds(90)) {
                    guard prom.isRunning else { throw TimedOut(what: "prometheus exited: \(prom.stderr.suffix(2000))") }
                    return !webhook(f, status: "firing", alertname: "KlaxonTestAlwaysFiring").isEmpty
                }
                let firing = try #require(webhook(f, status: "firing", alertname: "KlaxonTestAlwaysFiring").first)
                let labels = firing["labels"] as? [String: String] ?? [:]
                #expect(labels["team"] == "web", "Prometheus' rule labels arrive: \(labels)")
                #expect((firing["generatorURL"] as? String ?? "").isEmpty == false || (firing["annotations"] as? [String: String])?["summary"] != nil)

                // The rule stops firing: Prometheus sends the alert with endsAt = the resolution time.
                try writeRule("vector(1) == 0")
                kill(prom.process.processIdentifier, SIGHUP)
                try await eventually("the resolved notification reaches the webhook", timeout: .seconds(90)) {
                    guard prom.isRunning else { throw TimedOut(what: "prometheus exited: \(prom.stderr.suffix(2000))") }
                    return !webhook(f, status: "resolved", alertname: "KlaxonTestAlwaysFiring").isEmpty
                }
                let (_, body) = try await HTTP.call("GET", base + "/api/v1/alerts")
                let states = (try JSONSerialization.jsonObject(with: body) as? [[String: Any]]) ?? []
                let mine = states.filter { ($0["labels"] as? [String: String])?["alertname"] == "KlaxonTestAlwaysFiring" }
                #expect(mine.count == 1 && mine.first?["status"] as? String == "resolved", "\(mine)")
            } catch {
                _ = try? await prom.stop()
                _ = try? await service.stop()
                throw error
            }
            #expect(try await prom.stop() == 0, "prometheus: \(prom.stderr.suffix(1000))")
            #expect(try await service.stop() == 0)
            #expect(webhook(f, status: "firing", alertname: "KlaxonTestAlwaysFiring").count == 1, "Prometheus' re-sends notified nobody again")
        }
    }

    /// One always-firing rule (`KlaxonTestAlwaysFiring`, label team=web), evaluated every second.
    static func writeRule(_ expr: String, to rules: URL) throws {
        try """
            groups:
              - name: klaxon-test
                interval: 1s
                rules:
                  - alert: KlaxonTestAlwaysFiring
                    expr: \(expr)
                    labels:
                      team: web
                    annotations:
                      summary: fires while the test wants it to
            """.write(to: rules, atomically: true, encoding: .utf8)
    }

    /// A real Prometheus evaluating `prometheus/rules.yml` (written firing) every second and
    /// pushing to Klaxon with the API token, re-sending every second.
    func startPrometheus(_ prometheus: String, _ f: ServiceFixture, klaxon base: String) throws -> ChildProcess {
        let promDir = f.dir.appendingPathComponent("prometheus")
        try FileManager.default.createDirectory(at: promDir, withIntermediateDirectories: true)
        let tokenFile = promDir.appendingPathComponent("token")
        try Self.token.write(to: tokenFile, atomically: true, encoding: .utf8)
        let rules = promDir.appendingPathComponent("rules.yml")
        try Self.writeRule("vector(1)", to: rules)
        let config = promDir.appendingPathComponent("prometheus.yml")
        try """
            global:
              evaluation_interval: 1s
            rule_files: [\(rules.path)]
            alerting:
              alertmanagers:
                - api_version: v2
                  static_configs:
                    - targets: ['\(base.dropFirst("http://".count))']
                  authorization:
                    credentials_file: \(tokenFile.path)
            """.write(to: config, atomically: true, encoding: .utf8)
        return try ChildProcess(
            prometheus,
            [
                "--config.file=\(config.path)", "--storage.tsdb.path=\(promDir.appendingPathComponent("data").path)",
                "--web.listen-address=127.0.0.1:\(try freePort())", "--rules.alert.resend-delay=1s",
            ], in: promDir)
    }

    /// Prometheus pushes each alert with `endsAt` four resend intervals ahead: when it dies, the
    /// alert ends there (as in Alertmanager) and its resolution is notified.
    @Test func aPrometheusThatDiesLeavesNothingFiring() async throws {
        let prometheus = try Tools.require("prometheus", package: "prometheus")
        let f = try await ServiceFixture()
        try await f.run { f in
            let (base, service) = try await startKlaxon(f)
            let prom = try startPrometheus(prometheus, f, klaxon: base)
            do {
                try await eventually("the firing alert reaches the webhook", timeout: .seconds(90)) {
                    guard prom.isRunning else { throw TimedOut(what: "prometheus exited: \(prom.stderr.suffix(2000))") }
                    return !webhook(f, status: "firing", alertname: "KlaxonTestAlwaysFiring").isEmpty
                }
                // While it fires, the v2 API shows the end Prometheus announced, not Go's zero time.
                let (_, body) = try await HTTP.call("GET", base + "/api/v2/alerts")
                let listed = (try JSONSerialization.jsonObject(with: body) as? [[String: Any]]) ?? []
                let endsAt = try #require(listed.first { ($0["labels"] as? [String: String])?["alertname"] == "KlaxonTestAlwaysFiring" }?["endsAt"] as? String)
                #expect(!endsAt.hasPrefix("0001"), "\(endsAt)")
                #expect(try await prom.stop(signal: SIGKILL) == SIGKILL)
                try await eventually("the resolved notification reaches the webhook after Prometheus died", timeout: .seconds(90)) {
                    !webhook(f, status: "resolved", alertname: "KlaxonTestAlwaysFiring").isEmpty
                }
            } catch {
                _ = try? await prom.stop(signal: SIGKILL)
                _ = try? await service.stop()
                throw error
            }
            #expect(try await service.stop() == 0)
        }
    }

    // MARK: amtool

    @Test func amtoolAddsQueriesAndExpiresSilencesAndReadsAlertsAndRoutes() async throws {
        let amtool = try Tools.require("amtool", package: "prometheus-alertmanager")
        let f = try await ServiceFixture()
        try await f.run { f in
            let (base, service) = try await startKlaxon(f)
            do {
                let httpConfig = f.dir.appendingPathComponent("amtool-http.yml")
                try "authorization:\n  credentials: \(Self.token)\n".write(to: httpConfig, atomically: true, encoding: .utf8)
                func am(_ args: [String]) async throws -> String {
                    let (status, out, err) = try await ChildProcess.run(
                        amtool, ["--alertmanager.url=\(base)", "--http.config.file=\(httpConfig.path)"] + args, in: f.dir)
                    #expect(status == 0, "amtool \(args.joined(separator: " ")): \(err)")
                    return out
                }
                func v1(_ path: String) async throws -> [[String: Any]] {
                    let (_, body) = try await HTTP.call("GET", base + path)
                    return (try JSONSerialization.jsonObject(with: body) as? [[String: Any]]) ?? []
                }

                // Two alerts pushed as Prometheus pushes them.
                let (status, _) = try await HTTP.call("POST", base + "/api/v2/alerts", token: Self.token, json: [
                    ["labels": ["alertname": "DiskFull", "team": "web", "instance": "a"], "annotations": ["summary": "disk a"]],
                    ["labels": ["alertname": "DiskFull", "team": "db", "instance": "b"], "annotations": ["summary": "disk b"]],
                ])
                #expect(status == 200)
                try await eventually("both alerts are in Klaxon's state") { try await v1("/api/v1/alerts").count == 2 }

                // alert query: the same alerts (fingerprints and labels) as /api/v1/alerts.
                let queried = try JSONSerialization.jsonObject(with: Data(try await am(["-o", "json", "alert", "query"]).utf8)) as? [[String: Any]] ?? []
                let klaxonAlerts = try await v1("/api/v1/alerts")
                func byFingerprint(_ list: [[String: Any]]) -> [String: [String: String]] {
                    Dictionary(list.map { ($0["fingerprint"] as? String ?? "", $0["labels"] as? [String: String] ?? [:]) }, uniquingKeysWith: { a, _ in a })
                }
                #expect(byFingerprint(queried) == byFingerprint(klaxonAlerts), "amtool alert query vs /api/v1/alerts")
                let text = try await am(["alert", "query", "alertname=DiskFull"])
                #expect(text.contains("DiskFull") && text.contains("disk a") && text.contains("disk b"), "\(text)")

                // silence add → the id Klaxon's API lists, muting the web alert.
                let id = try await am(["silence", "add", "team=web", "--comment=maintenance", "--author=ops", "--duration=1h"])
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                let silences = try await v1("/api/v1/silences")
                #expect(silences.map { $0["id"] as? String } == [id], "amtool's id is Klaxon's silence: \(silences)")
                #expect((silences.first?["status"] as? [String: Any])?["state"] as? String == "active")
                try await eventually("Klaxon shows the web alert silenced by it") {
                    try await v1("/api/v1/alerts").contains { ($0["silencedBy"] as? [String]) == [id] }
                }
                let query = try JSONSerialization.jsonObject(with: Data(try await am(["-o", "json", "silence", "query"]).utf8)) as? [[String: Any]] ?? []
                #expect(query.map { $0["id"] as? String } == [id])
                #expect(query.first?["createdBy"] as? String == "ops" && query.first?["comment"] as? String == "maintenance")
                // amtool's default (active only) leaves the silenced alert out, -s shows it suppressed.
                let active = try await am(["alert", "query"])
                #expect(active.contains("disk b") && !active.contains("disk a"), "\(active)")
                let suppressed = try JSONSerialization.jsonObject(with: Data(try await am(["-o", "json", "alert", "query", "-s"]).utf8)) as? [[String: Any]] ?? []
                #expect(suppressed.contains { ($0["status"] as? [String: Any])?["state"] as? String == "suppressed" })

                // silence expire → expired in Klaxon, audited.
                _ = try await am(["silence", "expire", id])
                let expired = try await v1("/api/v1/silences")
                #expect((expired.first?["status"] as? [String: Any])?["state"] as? String == "expired")
                #expect(try await am(["silence", "query", "-q"]).trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
                let (_, audit) = try await HTTP.call("GET", base + "/api/v1/audit", token: Self.token)
                let actions = (try JSONSerialization.jsonObject(with: audit) as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
                #expect(actions.filter { $0 == "silence.create" }.count == 1 && actions.contains("silence.expire"), "\(actions)")

                // An outage of team db inhibits its disk alert: amtool -i shows it with the
                // inhibiting alert's fingerprint, the one Klaxon's API gives that alert.
                #expect(try await HTTP.call("POST", base + "/api/v2/alerts", token: Self.token, json: [
                    ["labels": ["alertname": "Outage", "team": "db"]]
                ]).0 == 200)
                try await eventually("Klaxon shows the db disk alert inhibited") {
                    try await v1("/api/v1/alerts").contains { ($0["labels"] as? [String: String])?["instance"] == "b" && $0["inhibited"] as? Bool == true }
                }
                let outage = try #require(try await v1("/api/v1/alerts").first { ($0["labels"] as? [String: String])?["alertname"] == "Outage" })
                let inhibited = try JSONSerialization.jsonObject(with: Data(try await am(["-o", "json", "alert", "query", "-i", "team=db"]).utf8)) as? [[String: Any]] ?? []
                let disk = inhibited.first { ($0["labels"] as? [String: String])?["alertname"] == "DiskFull" }
                #expect((disk?["status"] as? [String: Any])?["inhibitedBy"] as? [String] == [outage["fingerprint"] as? String ?? "-"], "\(inhibited)")
                #expect(!(try await am(["alert", "query", "team=db"])).contains("disk b"), "amtool's default leaves inhibited alerts out")

                // config routes: Klaxon's tree as amtool draws it.
                let routes = try await am(["config", "routes"])
                #expect(routes.contains("receiver: log") && routes.contains("{team=\"web\"}") && routes.contains("receiver: team-web"), "\(routes)")
                let test = try await am(["config", "routes", "test", "team=web", "alertname=DiskFull"])
                #expect(test.trimmingCharacters(in: .whitespacesAndNewlines) == "team-web", "\(test)")
            } catch {
                _ = try? await service.stop()
                throw error
            }
            #expect(try await service.stop() == 0)
        }
    }

    // MARK: kill -9

    @Test func aPushAnswered200SurvivesKillMinus9() async throws {
        let f = try await ServiceFixture()
        try await f.run { f in
            try f.broker.createTopic("am.push")
            let port = try freePort()
            let base = "http://127.0.0.1:\(port)"
            try configure(f, port: port, api: "alertmanager_api:\n  ingest_topic: am.push")
            let first = try f.startService(environment: ["KLAXON_API_TOKEN": Self.token])
            try await eventually("the API answers") {
                guard first.isRunning else { throw TimedOut(what: "klaxon exited: \(first.stderr.suffix(2000))") }
                return (try? await HTTP.call("GET", base + "/-/healthy"))?.0 == 200
            }
            let (status, _) = try await HTTP.call("POST", base + "/api/v2/alerts", token: Self.token, json: [
                ["labels": ["alertname": "KilledAfterAck", "team": "web"], "annotations": ["summary": "pushed, then kill -9"]]
            ])
            #expect(status == 200)
            _ = try await first.stop(signal: SIGKILL)

            // The 200 came after the broker's acknowledgement: the alert is in the ingest topic.
            let records = try await f.readAll("am.push", expecting: 1)
            #expect(records.count == 1)
            let second = try f.startService(environment: ["KLAXON_API_TOKEN": Self.token])
            do {
                try await eventually("the alert pushed before the kill reaches the webhook") {
                    !webhook(f, status: "firing", alertname: "KilledAfterAck").isEmpty
                }
            } catch {
                _ = try? await second.stop()
                throw error
            }
            #expect(try await second.stop() == 0)
            #expect(webhook(f, status: "firing", alertname: "KilledAfterAck").count == 1)
        }
    }
}
