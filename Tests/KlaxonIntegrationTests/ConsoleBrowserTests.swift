import Foundation
import KlaxonTesting
import Testing

/// The console in a real browser: headless Chromium (Debian's `chromium`) loads the alerts
/// page, an alert's page and the KPI page of a running `klaxon demo --follow`, saves
/// screenshots under `.build/console-screenshots/` (CI keeps them), and the DOM Chromium
/// builds holds the demo's alerts. Acknowledging through the page's form (with the session
/// cookie from the login form) changes the alert's state in the API.
@Suite(.serialized) struct ConsoleBrowserTests {
    static let shots = Tools.packageRoot.appendingPathComponent(".build/console-screenshots")

    @Test func chromiumRendersTheDemoAndAnAckThroughThePageReachesTheAPI() async throws {
        let chromium = try Tools.require("chromium", package: "chromium")
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("klaxon-browser-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: Self.shots, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let demo = try ChildProcess(
            Tools.klaxon, ["demo", "--follow", "--config", Tools.packageRoot.appendingPathComponent("config/klaxon.yml").path,
                           "--samples", Tools.packageRoot.appendingPathComponent("samples/demo").path],
            environment: ["KLAXON_STATE_DIR": dir.path, "KLAXON_API_TOKEN": "tok", "KLAXON_HTTP_LISTEN": "127.0.0.1:0"],
            in: Tools.packageRoot, logs: dir)
        var web: ConsoleClient?
        do {
            try await eventually("the demo prints the console's address", timeout: .seconds(180)) { demo.stdout.contains("following:") }
            let base = try #require(Self.consoleURL(demo.stdout), "\(demo.stdout)")
            let client = ConsoleClient(base: base)
            web = client
            try await scenario(chromium, client, dir: dir)
        } catch {
            await web?.shutdown()
            _ = try? await demo.stop()
            throw error
        }
        await web?.shutdown()
        #expect(try await demo.stop() == 0, "stderr: \(demo.stderr.suffix(2000))")
    }

    func scenario(_ chromium: String, _ web: ConsoleClient, dir: URL) async throws {
        // The demo's alerts, from the API.
        let (_, data) = try await HTTP.call("GET", web.base + "/api/v1/alerts")
        let alerts = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
        let names = Set(alerts.compactMap { ($0["labels"] as? [String: String])?["alertname"] })
        #expect(names.contains("CVE-2024-6387"), "\(names)")
        let ssh = try #require(alerts.first { ($0["labels"] as? [String: String])?["cve"] == "CVE-2024-6387" })
        let fp = try #require(ssh["fingerprint"] as? String)
        #expect(ssh["status"] as? String == "firing")

        // The alerts page, as Chromium builds it: the demo's alerts are rows.
        let alertsDOM = try await dumpDOM(chromium, web.base + "/", dir: dir)
        #expect(alertsDOM.contains("data-fingerprint=\"\(fp)\""), "the OpenSSH CVE is a row")
        for name in names.sorted() where alerts.contains(where: { ($0["labels"] as? [String: String])?["alertname"] == name && $0["status"] as? String == "firing" && ($0["silencedBy"] as? [String] ?? []).isEmpty && $0["inhibited"] as? Bool != true }) {
            #expect(alertsDOM.contains(">\(Self.escaped(name))</a>"), "\(name) is listed")
        }
        let detailDOM = try await dumpDOM(chromium, web.base + "/alerts/\(fp)", dir: dir)
        #expect(detailDOM.contains("CVE-2024-6387") && detailDOM.contains("<strong>opened</strong>") && detailDOM.contains("Why: explain"))
        let kpiDOM = try await dumpDOM(chromium, web.base + "/kpis", dir: dir)
        #expect(kpiDOM.contains("<figcaption>MTTA by severity</figcaption>") && kpiDOM.contains("<svg"))

        // Acknowledge through the page: log in with the form, post the page's ack form.
        let (cookie, _) = try await web.login("demo-user")
        let page = try await web.get("/alerts/\(fp)", cookie: cookie)
        #expect(page.body.contains("action=\"/alerts/\(fp)/ack\""), "the page offers the ack form")
        let csrf = try #require(ConsoleClient.csrf(in: page.body))
        let ack = try await web.post("/alerts/\(fp)/ack", form: ["csrf": csrf], cookie: cookie)
        #expect(ack.status == 303)
        let (_, after) = try await HTTP.call("GET", web.base + "/api/v1/alerts?status=acknowledged")
        let acked = try JSONSerialization.jsonObject(with: after) as? [[String: Any]] ?? []
        #expect(acked.contains { $0["fingerprint"] as? String == fp }, "the API shows the alert acknowledged")
        let (_, history) = try await HTTP.call("GET", web.base + "/api/v1/alerts/\(fp)/history")
        #expect(String(decoding: history, as: UTF8.self).contains("demo-user"), "the history names who acknowledged")

        // After the acknowledgement, so the pages show one (and the KPI page an MTTA).
        try await screenshot(chromium, web.base + "/?active=1&silenced=1", "alerts.png", size: "1280,900", dir: dir)
        try await screenshot(chromium, web.base + "/alerts/\(fp)", "alert.png", size: "1280,1400", dir: dir)
        try await screenshot(chromium, web.base + "/kpis", "kpis.png", size: "1280,1300", dir: dir)
        try await screenshot(chromium, web.base + "/", "alerts-phone.png", size: "390,844", dir: dir)
        let ackedDOM = try await dumpDOM(chromium, web.base + "/alerts/\(fp)", dir: dir)
        #expect(ackedDOM.contains("<strong>acknowledged</strong> by demo-user"), "the timeline shows the acknowledgement")
    }

    /// `chromium --headless --dump-dom`: the DOM after the page loaded.
    func dumpDOM(_ chromium: String, _ url: String, dir: URL) async throws -> String {
        let p = try ChildProcess(chromium, Self.flags(dir) + ["--dump-dom", url], in: dir, logs: dir)
        let status = try await p.waitForExit(timeout: .seconds(120))
        #expect(status == 0, "chromium --dump-dom \(url): \(p.stderr.suffix(1500))")
        return p.stdout
    }

    func screenshot(_ chromium: String, _ url: String, _ name: String, size: String, dir: URL) async throws {
        let path = Self.shots.appendingPathComponent(name).path
        try? FileManager.default.removeItem(atPath: path)
        let p = try ChildProcess(chromium, Self.flags(dir) + ["--screenshot=\(path)", "--window-size=\(size)", url], in: dir, logs: dir)
        let status = try await p.waitForExit(timeout: .seconds(120))
        #expect(status == 0, "chromium --screenshot \(url): \(p.stderr.suffix(1500))")
        let png = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(png.count > 5_000 && png.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]), "\(name) is a PNG with content")
    }

    /// Headless, no sandbox (CI containers run as root), its own profile in the test's folder.
    static func flags(_ dir: URL) -> [String] {
        ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars", "--no-first-run",
         "--user-data-dir=\(dir.appendingPathComponent("chromium-profile").path)", "--virtual-time-budget=5000"]
    }

    /// `web console: http://127.0.0.1:PORT/` from the demo's output.
    static func consoleURL(_ out: String) -> String? {
        guard let line = out.split(separator: "\n").first(where: { $0.hasPrefix("web console: ") }) else { return nil }
        let url = line.dropFirst("web console: ".count).split(separator: " ").first.map(String.init) ?? ""
        return url.hasSuffix("/") ? String(url.dropLast()) : url
    }

    static func escaped(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
