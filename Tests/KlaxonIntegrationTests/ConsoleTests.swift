import Foundation
import HTTPTypes
import Hummingbird
import KlaxonCore
import KlaxonTesting
import NIOCore
import Testing

@testable import KlaxonService

/// The web console over a seeded SQLite state and a real socket: every page renders the
/// state (rows, counts), output is escaped, and actions need a session and its CSRF value
/// (or the bearer token) and go through the API's code, audited alike.
@Suite struct ConsoleTests {
    @Test func theAlertsPageGroupsAndFiltersAsTheCLIListsThem() async throws {
        try await ConsoleFixture.run { f in
            let page = try await f.get("/")
            #expect(page.status == 200)
            #expect(page.headers.first(name: "content-type")?.hasPrefix("text/html") == true)
            let html = page.body
            // Active by default: firing and acknowledged, not the silenced or resolved ones.
            #expect(html.contains("CVE-2024-6387") && html.contains("CVE-2011-3374") && html.contains("Terminal shell in container"))
            #expect(!html.contains(">CVE-2023-45853<"), "the silenced alert is hidden by default")
            #expect(!html.contains(">GuardDuty finding<"), "the resolved alert is hidden by default")
            // Counts over everything: 2 firing unmuted (ssh, xss), 1 acknowledged, 1 silenced, 1 resolved.
            for (n, label) in [(2, "firing"), (1, "acknowledged"), (1, "silenced"), (0, "inhibited"), (1, "resolved")] {
                #expect(html.contains("<li><strong>\(n)</strong> \(label)</li>"), "\(label) count")
            }
            // One fingerprint reported by two sources shows both, with its report count.
            let ssh = try #require(row(html, f.fingerprints["ssh"]!))
            #expect((ssh.contains("<td>trivy, inspector2</td>") || ssh.contains("<td>inspector2, trivy</td>")) && ssh.contains(">3<"), "\(ssh)")
            #expect(ssh.contains("sev-critical") && ssh.contains("critical 95"), "severity as colour and text")
            // Grouped as the routing tree groups them: pager by alertname+image, log by source.
            #expect(html.contains(#"pager <span class="mono">{}/{severity=~&quot;critical|high&quot;}:{alertname=&quot;CVE-2024-6387&quot;, image=&quot;shop/api:1&quot;}</span>"#), "\(html)")
            #expect(html.contains(#"log <span class="mono">{}:{source=&quot;trivy&quot;}</span>"#))

            let silenced = try await f.get("/?silenced=1").body
            #expect(silenced.contains(">CVE-2023-45853<") && silenced.contains("silenced by s-zlib"))
            #expect(!silenced.contains(">CVE-2024-6387<"))
            let resolved = try await f.get("/?resolved=1").body
            #expect(resolved.contains(">GuardDuty finding<") && !resolved.contains(">CVE-2024-6387<"))
            let filtered = try await f.get("/?filter=" + "image=\"shop/api:1\"".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!).body
            #expect(filtered.contains(">CVE-2024-6387<") && !filtered.contains(">Terminal shell in container<"))
            let bySource = try await f.get("/?source=falco").body
            #expect(bySource.contains(">Terminal shell in container<") && !bySource.contains(">CVE-2024-6387<"))
            let bySeverity = try await f.get("/?severity=low").body
            #expect(bySeverity.contains(">CVE-2011-3374<") && !bySeverity.contains(">CVE-2024-6387<"))
            let byEnv = try await f.get("/?environment=prod&resolved=1&active=1").body
            #expect(byEnv.contains(">GuardDuty finding<") && byEnv.contains(">Terminal shell in container<") && !byEnv.contains(">CVE-2024-6387<"))
            let byReceiver = try await f.get("/?receiver=pager").body
            #expect(byReceiver.contains(">CVE-2024-6387<") && !byReceiver.contains(">CVE-2011-3374<"), "low goes to log only")
            let bad = try await f.get("/?filter=%3D%3Dbroken")
            #expect(bad.status == 200 && bad.body.contains("bad matcher"))
        }
    }

    @Test func aLabelValueWithAScriptShowsAsText() async throws {
        try await ConsoleFixture.run { f in
            let list = try await f.get("/").body
            let detail = try await f.get("/alerts/\(f.fingerprints["xss"]!)").body
            for html in [list, detail] {
                #expect(!html.contains(ConsoleFixture.script), "the script is never markup")
                #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "it shows as text")
            }
            // And the page forbids scripts outright.
            #expect(try await f.get("/").headers.first(name: "content-security-policy")?.contains("default-src 'none'") == true)
        }
    }

    @Test func theAlertDetailShowsSeverityHistoryAndExplain() async throws {
        try await ConsoleFixture.run { f in
            let fp = f.fingerprints["ssh"]!
            let page = try await f.get("/alerts/\(fp)")
            #expect(page.status == 200)
            let html = page.body
            #expect(html.contains("critical (score 95)") && html.contains("trivy said CRITICAL"), "severity with its origin")
            #expect(html.contains("<th scope=\"row\">cve</th><td class=\"mono\">CVE-2024-6387</td>"))
            #expect(html.contains("CVE-2024-6387 summary"), "annotations")
            // History: opened, the duplicates counted, the notification with its delivery state.
            #expect(html.contains("<strong>opened</strong>") && html.contains("2 reports") && html.contains("<strong>notified</strong>"))
            #expect(html.contains("[dead]"), "the notification's delivery status")
            // Explain: routes and receivers, and the dead notification with its error.
            #expect(html.contains("pager") && html.contains("HTTP 503 from receiver"))
            #expect(html.contains("Log in with the API token"), "no actions without a session")
            #expect(!html.contains("/ack\""))
            #expect(try await f.get("/alerts/0123456789abcdef").status == 404)
            #expect(try await f.get("/alerts/nothex").status == 400)
        }
    }

    @Test func actionsNeedASessionAndItsCSRFValueAndAreAudited() async throws {
        try await ConsoleFixture.run { f in
            let fp = f.fingerprints["ssh"]!
            // No cookie, no token: refused, nothing changes.
            let anonymous = try await f.post("/alerts/\(fp)/ack")
            #expect(anonymous.status == 401)
            #expect(try f.store.state(of: fp)?.status == .firing)
            // A wrong token at login: refused, no cookie.
            let wrong = try await f.post("/login", form: ["name": "mallory", "token": "nope", "next": "/"])
            #expect(wrong.status == 401 && wrong.cookie == nil)

            let (cookie, csrf) = try await f.login("dana")
            let setCookie = try await f.post("/login", form: ["name": "dana", "token": "tok", "next": "/"]).headers.first(name: "set-cookie") ?? ""
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"), "\(setCookie)")
            // The cookie alone (a cross-site form would carry no CSRF value): refused.
            let noCSRF = try await f.post("/alerts/\(fp)/ack", cookie: cookie)
            #expect(noCSRF.status == 403 && noCSRF.body.contains("CSRF"))
            let forged = try await f.post("/alerts/\(fp)/ack", form: ["csrf": String(repeating: "0", count: csrf.count)], cookie: cookie)
            #expect(forged.status == 403)
            // A tampered cookie (another name, same signature): not a session.
            let tampered = cookie.replacingOccurrences(of: Data("dana".utf8).hexString, with: Data("root".utf8).hexString)
            #expect(try await f.post("/alerts/\(fp)/ack", form: ["csrf": csrf], cookie: tampered).status == 401)
            #expect(try f.store.state(of: fp)?.status == .firing)

            // With both: acknowledged through the API's code, audited with the session's name.
            let ack = try await f.post("/alerts/\(fp)/ack", form: ["csrf": csrf], cookie: cookie)
            #expect(ack.status == 303 && ack.location == "/alerts/\(fp)?done=ack")
            #expect(try f.store.state(of: fp)?.status == .acknowledged)
            let audit = try f.audit.entries(limit: 100)
            #expect(audit.contains { $0.actor == "dana" && $0.action == "alert.ack" && $0.subject == fp.description })
            #expect(audit.contains { $0.actor == "dana" && $0.action == "console.login" })
            let after = try await f.get("/alerts/\(fp)?done=ack", cookie: cookie).body
            #expect(after.contains("Acknowledged.") && after.contains("<strong>acknowledged</strong> by dana"))
            // Acknowledging again conflicts, as in the API.
            #expect(try await f.post("/alerts/\(fp)/ack", form: ["csrf": csrf], cookie: cookie).status == 409)

            // Resolve and false positive the same way; the bearer token also works (fetch/scripts).
            let xss = f.fingerprints["xss"]!
            #expect(try await f.post("/alerts/\(xss)/false-positive", form: ["csrf": csrf], cookie: cookie).status == 400, "a reason is required")
            #expect(try await f.post("/alerts/\(xss)/false-positive", form: ["csrf": csrf, "reason": "pentest"], cookie: cookie).status == 303)
            #expect(try f.audit.entries(limit: 100).contains { $0.action == "alert.false_positive" && $0.actor == "dana" && $0.detail == "pentest" })
            #expect(try await f.post("/alerts/\(xss)/resolve", bearer: "wrong").status == 401)
            #expect(try await f.post("/alerts/\(xss)/resolve", bearer: "tok").status == 303)
            #expect(try f.store.state(of: xss)?.status == .resolved)

            // Logging out needs the CSRF value too and clears the cookie.
            let out = try await f.post("/logout", form: ["csrf": csrf], cookie: cookie)
            #expect(out.status == 303 && (out.headers.first(name: "set-cookie") ?? "").contains("Max-Age=0"))
        }
    }

    @Test func silencesListPreviewCreateAndExpire() async throws {
        try await ConsoleFixture.run { f in
            let list = try await f.get("/silences").body
            #expect(list.contains("Active (1)") && list.contains("zlib rebuild under way") && list.contains("Expired (0)"))
            // The preview lists the current alerts the matchers would silence.
            let matchers = #"image="shop/api:1""#
            let q = "matchers=" + matchers.addingPercentEncoding(withAllowedCharacters: .alphanumerics)! + "&duration=1h&comment=rebuild"
            let preview = try await f.get("/silences?" + q).body
            #expect(preview.contains("would silence 3 current alert(s)"), "ssh, zlib, acked; not the resolved one")
            #expect(preview.contains("log in") || preview.contains("Log in"))

            let (cookie, csrf) = try await f.login()
            let created = try await f.post(
                "/silences", form: ["csrf": csrf, "matchers": #"alertname="Terminal shell in container""#, "until_resolved": "1", "comment": "pentest"],
                cookie: cookie)
            #expect(created.status == 303)
            let all = try f.silences.all()
            let made = try #require(all.first { $0.comment == "pentest" })
            #expect(made.ending == .onResolve && made.createdBy == "dana")
            #expect(try f.audit.entries(limit: 50).contains { $0.action == "silence.create" && $0.subject == made.id })
            #expect(try await f.get("/?silenced=1").body.contains(">Terminal shell in container<"), "grouping has the new silence")
            let badMatcher = try await f.post("/silences", form: ["csrf": csrf, "matchers": "==", "duration": "1h"], cookie: cookie)
            #expect(badMatcher.status == 400)

            #expect(try await f.post("/silences/s-zlib/expire", cookie: cookie).status == 403, "CSRF value required")
            #expect(try await f.post("/silences/s-zlib/expire", form: ["csrf": csrf], cookie: cookie).status == 303)
            #expect(try f.silences.get("s-zlib")?.state(at: Date()) == .expired)
            #expect(try await f.get("/silences").body.contains("Expired (1)"))
        }
    }

    @Test func routesPageShowsTheTreeAndTestsLabels() async throws {
        try await ConsoleFixture.run { f in
            let tree = try await f.get("/routes").body
            #expect(tree.contains("<strong>log</strong>") && tree.contains("<strong>pager</strong>"))
            #expect(tree.contains("group_by=[alertname, image]") && tree.contains("group_wait=30s"), "inherited settings shown")
            let labels = "severity=critical\nalertname=X\nimage=i"
            let tested = try await f.get("/routes?labels=" + labels.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!).body
            // The same answer as `klaxon routes test` (RouteTestRunner) gives.
            let routing = try RoutingConfig.load(yaml: ConsoleFixture.routes, file: "r.yml")
            let expected = RouteTestRunner(config: routing).run(RouteTestCase(name: "x", labels: ["severity": "critical", "alertname": "X", "image": "i"]), now: Date())
            #expect(expected.receivers == ["pager"])
            #expect(tested.contains("<dt>Receivers</dt><dd>pager</dd>"))
            for key in expected.groupKeys {
                #expect(tested.contains(key.replacingOccurrences(of: "\"", with: "&quot;")), "\(key)")
            }
            #expect(try await f.get("/routes?labels=novalue").body.contains("labels must be name=value"))
        }
    }

    @Test func deliveriesPageShowsLanesBreakersAndRetries() async throws {
        try await ConsoleFixture.run { f in
            let html = try await f.get("/deliveries").body
            #expect(html.contains("<td>pager/webhook/0</td><td class=\"num\">2</td><td class=\"num\">0</td><td class=\"num\">1</td><td>open</td>"), "\(html)")
            #expect(html.contains("HTTP 503 from receiver") && html.contains("Failed and dead (1)"))
            let (cookie, csrf) = try await f.login()
            #expect(try await f.post("/deliveries/\(f.deadID)/retry", cookie: cookie).status == 403)
            #expect(try await f.post("/deliveries/\(f.deadID)/retry", form: ["csrf": csrf], cookie: cookie).status == 303)
            #expect(try f.outbox.entry(f.deadID)?.status == .pending)
            #expect(try f.audit.entries(limit: 50).contains { $0.action == "delivery.retry" && $0.subject == "\(f.deadID)" && $0.actor == "dana" })
        }
    }

    @Test func kpiPageShowsTheReportsNumbersAndSVGCharts() async throws {
        try await ConsoleFixture.run { f in
            let page = try await f.get("/kpis")
            #expect(page.status == 200)
            let html = page.body
            // The same numbers as /api/v1/report (what `klaxon report` prints).
            let (_, data) = try await HTTP.call("GET", f.base + "/api/v1/report?by=severity")
            let report = try ApiJSON.decoder.decode(IncidentReport.self, from: data)
            #expect(report.total.alerts == 5, "five fingerprints")
            for row in report.rows {
                let sev = row.group["severity"]!
                let line = try #require(html.components(separatedBy: "<tr>").first { $0.hasPrefix("<td>\(sev)</td>") }, "a row for \(sev)")
                #expect(line.contains("<td class=\"num\">\(row.alerts)</td>"))
                if let r = row.resolve { #expect(line.contains("\(IncidentReport.human(r.median)) / \(IncidentReport.human(r.p90))")) }
                if let a = row.acknowledge { #expect(line.contains("\(IncidentReport.human(a.median)) / \(IncidentReport.human(a.p90))")) }
                #expect(line.contains(IncidentReport.percent(row.slaCompliance)))
            }
            #expect(html.contains("<li><strong>5</strong> alerts</li>"))
            // Charts are inline SVG with their numbers as text too.
            #expect(html.components(separatedBy: "<svg ").count - 1 >= 6)
            #expect(html.contains("<figcaption>MTTA by severity</figcaption>") && html.contains("<text"))
            let low = try #require(report.rows.first { $0.group["severity"] == "low" }?.acknowledge)
            #expect(html.contains(">\(IncidentReport.human(low.median))</text>"), "the MTTA bar is labelled with its value")
            #expect(html.contains("<figcaption>MTTA over time (alerts detected in each period)</figcaption>"))
            #expect(try await f.get("/kpis?since=bogus").body.contains("the window must be a duration"))
        }
    }

    /// The charts over time cut the window into weeks (or six parts when shorter) and put each
    /// record in the period it was detected in.
    @Test func kpisOverTimeBucketRecordsByDetection() {
        let since = Date(timeIntervalSince1970: 1_800_000_000)
        let day = 86_400.0
        func record(_ d: Double, ackAfter: Double) -> IncidentRecord {
            IncidentRecord(
                fingerprint: Fingerprint(labels: ["n": "\(d)"]), labels: [:], occurredAt: nil, detectedAt: since.addingTimeInterval(d * day),
                notifiedAt: since.addingTimeInterval(d * day), acknowledgedAt: since.addingTimeInterval(d * day + ackAfter))
        }
        let records = [record(1, ackAfter: 60), record(2, ackAfter: 180), record(9, ackAfter: 600), record(21, ackAfter: 3600)]
        let weeks = ConsoleKPIPage.trend(records, since: since, until: since.addingTimeInterval(21 * day))
        #expect(weeks.map(\.row.alerts) == [2, 1, 1], "the last period includes its end")
        #expect(weeks.map(\.label) == ["2027-01-15", "2027-01-22", "2027-01-29"])
        #expect(weeks[0].row.acknowledge?.median == 60 && weeks[0].row.acknowledge?.p90 == 180)
        let hours = ConsoleKPIPage.trend(records, since: since, until: since.addingTimeInterval(3 * day))
        #expect(hours.count == 6 && hours.map(\.row.alerts).reduce(0, +) == 2)
    }

    @Test func theStylesheetIsServedAndPagesWorkWithoutAToken() async throws {
        try await ConsoleFixture.run { f in
            let css = try await f.get("/console.css")
            #expect(css.status == 200 && css.body.contains(".sev-critical"))
            for path in ["/", "/silences", "/routes", "/deliveries", "/kpis", "/login"] {
                let r = try await f.get(path)
                #expect(r.status == 200, "\(path)")
                #expect(r.body.contains("<nav aria-label=\"Console\">"), "\(path)")
            }
        }
    }

    /// A session cookie holds for 12 hours, only with its signature, and only under the token
    /// that signed it.
    @Test func sessionCookiesExpireAndNeedTheirSignatureAndToken() throws {
        let service = try ServiceConfig.load(yaml: "kafka: {embedded: true, topics: [{name: t}]}\n", file: "k.yml")
        let key = try #require(try ApiToken(config: service, environment: ["KLAXON_API_TOKEN": "tok"]).sessionKey)
        let other = try #require(try ApiToken(config: service, environment: ["KLAXON_API_TOKEN": "tok2"]).sessionKey)
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let (session, cookie) = ConsoleSession.issue(name: "dana", key: key, now: t0)
        #expect(cookie.httpOnly && cookie.sameSite == .strict && cookie.maxAge == 12 * 3600)
        func request(_ value: String) -> Request {
            Request(
                head: HTTPRequest(method: .get, scheme: "http", authority: "x", path: "/", headerFields: [.cookie: "klaxon_session=\(value)"]),
                body: RequestBody(buffer: ByteBuffer()))
        }
        #expect(ConsoleSession.read(request(cookie.value), key: key, now: t0.addingTimeInterval(3600)) == session)
        #expect(ConsoleSession.read(request(cookie.value), key: key, now: t0.addingTimeInterval(12 * 3600)) == nil, "expired")
        #expect(ConsoleSession.read(request(cookie.value), key: other, now: t0) == nil, "a new token ends it")
        #expect(ConsoleSession.read(request(cookie.value + "00"), key: key, now: t0) == nil)
        #expect(ConsoleSession.read(request("garbage"), key: key, now: t0) == nil)
        #expect(ConsoleSession.read(request("1.é0.6461.0"), key: key, now: t0) == nil, "non-hex bytes are refused, not a crash")
        #expect(Data(hex: "éé") == nil && Data(hex: "0g") == nil && Data(hex: "0aFF") == Data([0x0a, 0xff]))
        #expect(session.accepts(csrf: session.csrf) && !session.accepts(csrf: nil) && !session.accepts(csrf: ""))
    }

    /// The fragment of a table row for one fingerprint.
    func row(_ html: String, _ fp: Fingerprint) -> String? {
        guard let r = html.range(of: "data-fingerprint=\"\(fp)\"") else { return nil }
        return String(html[r.lowerBound...].prefix { $0 != "\u{0}" }.components(separatedBy: "</tr>")[0])
    }
}
