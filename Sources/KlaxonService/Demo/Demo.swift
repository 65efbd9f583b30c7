import Foundation
import KlaxonCore
import KlaxonKafka
import KlaxonStore
import Logging
import Synchronization

/// `klaxon demo` / `make run`: the whole path on one machine. Starts the service on the
/// embedded broker with a local webhook receiver, publishes the sample events, waits until
/// every message is handled and every notification delivered, prints what went where, stops.
public enum Demo {
    public struct Options: Sendable {
        public var configPath: String
        public var samplesDir: String
        public var follow: Bool
        /// How long to wait for all deliveries before giving up. Default 90 s.
        public var timeout: Duration

        public init(configPath: String, samplesDir: String, follow: Bool, timeout: Duration = .seconds(90)) {
            self.configPath = configPath
            self.samplesDir = samplesDir
            self.follow = follow
            self.timeout = timeout
        }
    }

    /// What the demo publishes: each sample file to a topic, whole or line by line. The Trivy
    /// report goes twice (a nightly re-scan) to show deduplication.
    struct Publication {
        var file: String
        var topic: String
        var lines: Bool
    }

    static func plan(_ config: ServiceConfig, samples: String) throws -> [Publication] {
        let topics = config.kafka.topics.map(\.name)
        let scans = topics.first { $0.contains("scan") } ?? topics[0]
        let runtime = topics.first { $0.contains("runtime") } ?? topics.last!
        func path(_ f: String) -> String { (samples as NSString).appendingPathComponent(f) }
        return [
            Publication(file: path("trivy-shop-api.json"), topic: scans, lines: false),
            Publication(file: path("falco-events.jsonl"), topic: runtime, lines: true),
            Publication(file: path("not-a-report.txt"), topic: scans, lines: false),
            Publication(file: path("trivy-shop-api.json"), topic: scans, lines: false),
        ]
    }

    public static func run(_ options: Options, logger: Logger) async throws {
        var env = ProcessInfo.processInfo.environment
        let stateDir = env["KLAXON_STATE_DIR"] ?? NSTemporaryDirectory() + "klaxon-demo-\(UUID().uuidString.prefix(8))"
        env["KLAXON_STATE_DIR"] = stateDir
        // Any free port for /metrics and the API, unless asked for one (a busy 9095 must not
        // stop the demo).
        env["KLAXON_HTTP_LISTEN"] = env["KLAXON_HTTP_LISTEN"] ?? "127.0.0.1:0"
        let recorder = WebhookRecorder()
        try await recorder.start()
        env["KLAXON_WEBHOOK_URL"] = env["KLAXON_WEBHOOK_URL"] ?? recorder.url

        let config = try LoadedConfig.load(path: options.configPath, environment: env)
        let app = try KlaxonApp(config: config, configPath: options.configPath, environment: env, logger: logger)
        let stopped = StopRecord()
        let running = Task {
            do { try await app.run() } catch {
                stopped.record(error)
                throw error
            }
            stopped.record(nil)
        }

        let published = try await publish(plan(config.service, samples: options.samplesDir), to: app.bootstrapServers, logger: logger)
        do {
            try await waitUntilSettled(app, messages: published, timeout: options.timeout, stopped: stopped)
        } catch {
            await app.shutdown()
            _ = try? await running.value
            await recorder.stop()
            throw error
        }
        print(try DemoReport(app: app, recorder: recorder, stateDir: stateDir, published: published).render())
        if let console = app.httpAddress.url {
            print("\nweb console: \(console)/  (API: \(console)/api/v1)")
            if !options.follow { print("the demo stops now; `klaxon demo --follow` (make run ARGS=--follow) keeps the console up") }
        }

        if options.follow {
            print("\nfollowing: klaxon keeps consuming at \(app.bootstrapServers); Ctrl-C to stop")
        } else {
            await app.shutdown()
        }
        try await running.value
        await recorder.stop()
    }

    static func publish(_ plan: [Publication], to brokers: String, logger: Logger) async throws -> Int {
        let producer = try KafkaProducer(properties: ["bootstrap.servers": brokers], logger: logger)
        return try await producer.use { producer in
            var count = 0
            for p in plan {
                guard let data = FileManager.default.contents(atPath: p.file) else { throw ConfigFailure("demo sample \(p.file) is missing") }
                let bodies = p.lines ? data.split(separator: UInt8(ascii: "\n")).map { Data($0) } : [data]
                count += try await producer.sendAll(topic: p.topic, bodies.map { KafkaMessage(value: $0) }).count
            }
            return count
        }
    }

    /// Waits until the ledger holds every published message and nothing is left to deliver;
    /// fails at once, with the service's error, when the service stops first (its HTTP port
    /// taken, say).
    static func waitUntilSettled(_ app: KlaxonApp, messages: Int, timeout: Duration, stopped: StopRecord) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let outcome = stopped.outcome {
                throw ConfigFailure("demo: the service stopped before the samples were handled: \(outcome.map { "\($0)" } ?? "no error")")
            }
            if app.recordsHandled >= messages, await app.groupsFlushed, (try app.outbox.counts()[.pending] ?? 0) == 0 { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw ConfigFailure(
            "demo: not everything was handled within \(timeout): \(app.recordsHandled) of \(messages) message(s) consumed, "
                + "\(try app.outbox.counts()[.pending] ?? 0) notification(s) pending")
    }

    /// How the service's run ended, once it has: nil while running, `.some(nil)` for a clean stop.
    final class StopRecord: Sendable {
        private let value = Mutex<(any Error)??>(nil)
        var outcome: (any Error)?? { value.withLock { $0 } }
        func record(_ error: (any Error)?) { value.withLock { $0 = .some(error) } }
    }
}
