import AsyncHTTPClient
import Foundation
import Hummingbird
import KlaxonCore
import KlaxonStore
import KlaxonTesting
import Logging
import NIOCore
import NIOHTTP1

@testable import KlaxonService

/// The console over a real SQLite state file and a real socket: the service's router (API and
/// console) on a loopback server, with a seeded state. Token `tok`.
final class ConsoleFixture: @unchecked Sendable {
    // @unchecked: used from one test task; members are Sendable or set once in `init`.
    let dir: URL
    let database: StateDatabase
    let store: AlertStore
    let silences: SilenceStore
    let outbox: Outbox
    let audit: AuditLog
    let grouping: GroupingEngine
    let deps: ApiDependencies
    let server = LoopbackServer()
    /// Made by `start()`, shut down by `stop()`.
    private var client: ConsoleClient?
    var web: ConsoleClient { client! }
    var base: String { web.base }

    static let routes = """
        route:
          receiver: log
          group_by: [source]
          routes:
            - receiver: pager
              matchers: ['severity=~"critical|high"']
              group_by: [alertname, image]
        receivers:
          - name: log
          - name: pager
        """

    init() throws {
        dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("klaxon-console-\(UUID().uuidString.prefix(8))")
        database = try StateDatabase(path: dir.appendingPathComponent("state.db").path)
        store = try AlertStore(database: database)
        silences = SilenceStore(database: database)
        outbox = Outbox(database: database)
        audit = AuditLog(database: database)
        let falsePositives = FalsePositiveStore(database: database)
        let noise = try NoiseGate(config: NoiseConfig(), falsePositives: falsePositives)
        let routing = try RoutingConfig.load(yaml: Self.routes, file: "routes.yml")
        grouping = GroupingEngine(
            routing: routing, integrations: [:], store: store, silences: silences, noise: noise, logger: Logger(label: "test"))
        let service = try ServiceConfig.load(yaml: "kafka: {embedded: true, topics: [{name: t}]}\n", file: "k.yml")
        deps = ApiDependencies(
            store: store, silences: silences,
            control: LocalControlLog(silences: silences, falsePositives: falsePositives), audit: audit, grouping: grouping,
                config: ActiveConfig(config: LoadedConfig(service: service, routing: routing, routeFiles: []), integrations: [:]), noise: noise,
            falsePositives: falsePositives, outbox: outbox, history: AlertHistory(database: database),
            token: try ApiToken(config: service, environment: ["KLAXON_API_TOKEN": "tok"]),
            reload: { _ in ReloadOutcome(ok: true, message: "unchanged") },
            breakerState: { $0 == "pager/webhook/0" ? "open" : nil })
    }

    // MARK: Seeded state

    let t0 = Date().addingTimeInterval(-7200)
    static let script = "<script>alert(1)</script>"

    func alert(_ name: String, _ severity: Severity, source: String, extra: [String: String] = [:], fingerprint: Fingerprint? = nil) -> Alert {
        var labels = ["alertname": name, "severity": severity.name, "source": source]
        labels.merge(extra) { _, new in new }
        return Alert(
            labels: labels, annotations: ["summary": "\(name) summary", "native_severity": severity.name.uppercased()], severity: severity,
            fingerprint: fingerprint ?? Fingerprint(labels: ["alertname": name] + extra), occurredAt: t0.addingTimeInterval(-600),
            detectedAt: t0.addingTimeInterval(-60))
    }

    /// The OpenSSH CVE reported by Trivy twice and by Inspector once (one fingerprint); an
    /// alert whose label value is a script; a silenced zlib CVE; an acknowledged and a
    /// resolved alert; a dead delivery.
    func seed() async throws {
        let cve = ["cve": "CVE-2024-6387", "image": "shop/api:1"]
        let ssh = alert("CVE-2024-6387", .critical, source: "trivy", extra: cve)
        let inspector = alert("CVE-2024-6387", .critical, source: "inspector2", extra: cve, fingerprint: ssh.fingerprint)
        let xss = alert("Terminal shell in container", .high, source: "falco", extra: ["container": Self.script, "environment": "prod"])
        let zlib = alert("CVE-2023-45853", .medium, source: "trivy", extra: ["cve": "CVE-2023-45853", "image": "shop/api:1"])
        let acked = alert("CVE-2011-3374", .low, source: "trivy", extra: ["cve": "CVE-2011-3374", "image": "shop/api:1"])
        let gone = alert("GuardDuty finding", .high, source: "guardduty", extra: ["environment": "prod"])
        for (i, a) in [ssh, ssh, inspector, xss, zlib, acked, gone].enumerated() {
            try store.apply(BatchWrite(reports: [AlertReport(alert: a, owner: "t/0", receivedAt: t0.addingTimeInterval(Double(i)))]))
        }
        let notified = [ssh, acked, gone].map { a in
            QueuedNotification(
                notification: AlertNotification(
                    idempotencyKey: "k-\(a.fingerprint)", receiver: "pager", status: .firing, groupKey: "{}:{}", groupLabels: [:],
                    alerts: [NotifiedAlert(status: .firing, fingerprint: a.fingerprint, labels: a.labels, annotations: [:], severity: a.severity, startsAt: t0)]),
                integration: "webhook/0", key: "k-\(a.fingerprint)/webhook/0")
        }
        try store.recordFlush(notified, log: [:], at: t0.addingTimeInterval(30))
        let dead = try require(try outbox.list().first { $0.notification.alerts.first?.fingerprint == ssh.fingerprint })
        try outbox.markFailed(dead.id, error: "HTTP 503 from receiver", retryAt: nil, at: t0.addingTimeInterval(40))
        _ = try store.update(acked.fingerprint, by: "alice") { AlertLifecycle.acknowledge($0, at: self.t0.addingTimeInterval(600)) }
        _ = try store.update(gone.fingerprint, by: "bob") { AlertLifecycle.resolve($0, at: self.t0.addingTimeInterval(1800)) }
        let silence = Silence(
            id: "s-zlib", matchers: [try Matcher(.equal, name: "cve", value: "CVE-2023-45853")], startsAt: t0,
            ending: .at(Date().addingTimeInterval(3600)), createdBy: "carol", comment: "zlib rebuild under way")
        try silences.save(silence, at: t0)
        try await grouping.restore(now: Date())
        fingerprints = ["ssh": ssh.fingerprint, "xss": xss.fingerprint, "zlib": zlib.fingerprint, "acked": acked.fingerprint, "gone": gone.fingerprint]
        deadID = dead.id
    }

    private(set) var fingerprints: [String: Fingerprint] = [:]
    private(set) var deadID: Int64 = 0

    // MARK: Server and client

    func start() async throws {
        let router = OpsServer.router(ready: ReadyFlag(), outbox: outbox, api: deps)
        let port = try await server.start(router, label: "test.console")
        client = ConsoleClient(base: "http://127.0.0.1:\(port)")
    }

    func stop() async {
        await server.stop()
        await client?.shutdown()
        try? FileManager.default.removeItem(at: dir)
    }

    /// Runs `body` with the fixture started and seeded, then stops it whether `body` threw or not.
    static func run(_ body: (ConsoleFixture) async throws -> Void) async throws {
        let f = try ConsoleFixture()
        do {
            try await f.seed()
            try await f.start()
            try await body(f)
        } catch {
            await f.stop()
            throw error
        }
        await f.stop()
    }

    func get(_ path: String, cookie: String? = nil) async throws -> ConsoleClient.Reply { try await web.get(path, cookie: cookie) }

    func post(_ path: String, form: [String: String] = [:], cookie: String? = nil, bearer: String? = nil) async throws -> ConsoleClient.Reply {
        try await web.post(path, form: form, cookie: cookie, bearer: bearer)
    }

    func login(_ name: String = "dana") async throws -> (cookie: String, csrf: String) { try await web.login(name) }
}

private func + (a: [String: String], b: [String: String]) -> [String: String] { a.merging(b) { _, new in new } }

private func require<T>(_ value: T?) throws -> T {
    guard let value else { throw TimedOut(what: "a seeded value is missing") }
    return value
}
