import Foundation
import KlaxonCore
import KlaxonKafka
import KlaxonService
import KlaxonStore
import KlaxonTesting
import Logging
import Testing

/// One test's world: an embedded broker, a webhook recorder, a temp folder with a service
/// config and routes for `klaxon run`, and helpers to read what came out. The recorder stops
/// when the test ends (the suite carries `.stopsServers`).
final class ServiceFixture: @unchecked Sendable {
    // @unchecked: used from one test task; the members are Sendable or immutable.
    let dir: URL
    let broker: EmbeddedBroker
    let recorder = WebhookRecorder()
    let group = "klaxon-test-\(UUID().uuidString.prefix(8))"
    let logger = Logger(label: "test")

    static let scans = "scans"
    static let runtime = "runtime"
    static let deadLetters = "dead"
    /// The Alertmanager API's ingest topic (consumed by default), created with the others so
    /// it has their partition count instead of the broker's default.
    static let ingest = "klaxon.ingest"
    /// The control topic (`kafka.control_topic`), made up front with one partition as `klaxon
    /// run` makes it on an embedded broker: the mock broker does not answer CreateTopics, so a
    /// service would otherwise wait for it to appear at the first write.
    static let control = "klaxon.control"
    /// The internal alerts topic (`kafka.alerts_topic`) with its default partition count, made
    /// up front for the same reason: without CreateTopics, `klaxon run` waits for it.
    static let alerts = KafkaSettings().alertsTopic

    init(partitions: Int32 = 1) async throws {
        dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("klaxon-it-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        broker = try await EmbeddedBroker.started(topics: [Self.scans, Self.runtime, Self.deadLetters, Self.ingest], partitions: partitions) {
            try $0.createTopic(Self.control, partitions: 1)
            try $0.createStateTopics()
        }
        try await recorder.start()
        // Stopped (awaited) when the test ends, whatever it threw.
        if !Teardown.register({ [recorder] in await recorder.stop() }) {
            await recorder.stop()
            Issue.record("ServiceFixture starts a webhook recorder that must be stopped: mark the suite @Suite(.stopsServers)")
            throw MissingTeardown()
        }
    }

    struct MissingTeardown: Error {}

    var alertsFile: URL { dir.appendingPathComponent("alerts.jsonl") }
    var configFile: URL { dir.appendingPathComponent("klaxon.yml") }
    var statePath: String { dir.appendingPathComponent("klaxon.db").path }
    var routesFile: URL { dir.appendingPathComponent("routes.yml") }

    /// Writes klaxon.yml and routes.yml: everything to the file sink, critical/high also to
    /// the recorder's webhook.
    /// - Parameter environmentThresholds: the routes' `environment_thresholds:` (nil: Klaxon's defaults).
    /// - Parameter routes: a whole routes file instead of the default one.
    func writeConfig(
        maxMessageBytes: Int = 16 << 20, httpListen: String? = nil, routesExtra: String = "", environmentThresholds: String? = "{}",
        reportWait: String = "5s", routes: String? = nil
    ) throws {
        try """
            kafka:
              brokers: \(broker.bootstrapServers)
              group_id: \(group)
              topics:
                - name: \(Self.scans)
                  format: auto
                - name: \(Self.runtime)
                  format: falco
                  environment: staging
              dead_letter_topic: \(Self.deadLetters)
              max_message_bytes: \(maxMessageBytes)
              batch:
                max_records: 100
                max_wait: 100ms
                report_wait: \(reportWait)
              properties:
                session.timeout.ms: "6000"
                heartbeat.interval.ms: "500"
            state:
              path: \(statePath)
            \(httpListen.map { "http:\n  listen: \($0)" } ?? "")
            routes:
              - \(dir.appendingPathComponent("routes.yml").path)
            """.write(to: configFile, atomically: true, encoding: .utf8)
        try """
            \(environmentThresholds.map { "environment_thresholds: \($0)" } ?? "")
            route:
              receiver: log
              group_by: ['...']
              group_wait: 0s
              group_interval: 1s
              routes:
                - receiver: log
                  continue: true
                - receiver: pager
                  matchers: ['severity=~"critical|high"']
            receivers:
              - name: log
                file_configs:
                  - path: \(alertsFile.path)
              - name: pager
                webhook_configs:
                  - url: \(recorder.url)
            \(routesExtra)
            """.write(to: routesFile, atomically: true, encoding: .utf8)
        if let routes { try routes.write(to: routesFile, atomically: true, encoding: .utf8) }
    }

    func startService(environment: [String: String] = [:]) throws -> ChildProcess {
        try ChildProcess(Tools.klaxon, ["run", "--config", configFile.path], environment: environment, in: dir)
    }

    /// Lines of the file sink, parsed.
    func fileLines() -> [[String: Any]] {
        guard let text = try? String(contentsOf: alertsFile, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// The `alert` objects of the file sink's lines.
    func fileAlerts() -> [[String: Any]] { fileLines().compactMap { $0["alert"] as? [String: Any] } }

    /// Alerts received by the webhook, across all requests.
    func webhookAlerts() -> [[String: Any]] {
        recorder.received.flatMap { r -> [[String: Any]] in
            let body = (try? JSONSerialization.jsonObject(with: r.body)) as? [String: Any]
            return body?["alerts"] as? [[String: Any]] ?? []
        }
    }

    func store() throws -> AlertStore { try AlertStore(database: try StateDatabase(path: statePath)) }

    /// Runs `body` with this fixture, then stops its webhook recorder whether `body` threw or not.
    func run(_ body: (ServiceFixture) async throws -> Void) async throws {
        do { try await body(self) } catch {
            await recorder.stop()
            throw error
        }
        await recorder.stop()
    }

    /// Waits until the service at `base` has handed `records` consumed records to grouping,
    /// every change has been through a flush, and every queued notification has left the
    /// outbox. After that nothing more is sent until new input arrives (or a repeat interval
    /// passes), so a test can check that nothing unwanted was sent without sleeping.
    func settled(_ base: String, records: Int) async throws {
        let outbox = Outbox(database: try StateDatabase(path: statePath))
        try await eventually("the service handled \(records) records and sent everything it queued") {
            guard let (status, body) = try? await HTTP.call("GET", base + "/metrics"), status == 200 else { return false }
            let metrics = Prometheus.samples(String(decoding: body, as: UTF8.self))
            let consumed = metrics.filter { $0.name == "klaxon_messages_consumed_total" }.map(\.value).reduce(0, +)
            let changed = metrics.first { $0.name == "klaxon_aggregation_groups_changed" }?.value
            guard consumed >= Double(records), changed == 0 else { return false }
            return try outbox.pendingCounts().values.reduce(0, +) == 0
        }
    }

    /// Runs a `klaxon` command to completion with extra environment.
    func klaxon(_ args: [String], environment: [String: String] = [:]) async throws -> (Int32, String, String) {
        try await ChildProcess.run(Tools.klaxon, args, environment: environment, in: dir)
    }

    /// A producer on the fixture's broker, closed (awaited, before the broker goes) when the
    /// test ends, like the recorder.
    func producer() throws -> KafkaProducer {
        let producer = try broker.producer(logger: logger)
        Teardown.register { [broker] in
            await producer.close()
            withExtendedLifetime(broker) {}
        }
        return producer
    }

    /// Reads every record of a topic from the beginning with a fresh group.
    func readAll(_ topic: String, expecting count: Int, timeout: Duration = .seconds(30)) async throws -> [KafkaRecord] {
        try await broker.readAll(topic, expecting: count, timeout: timeout, logger: logger)
    }

    static func sample(_ name: String) -> URL { Tools.packageRoot.appendingPathComponent("samples/demo/\(name)") }

    deinit {
        try? FileManager.default.removeItem(at: dir)
    }
}
