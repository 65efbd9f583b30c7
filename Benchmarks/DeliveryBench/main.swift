// DeliveryBench: drains a backlog of notifications from a real SQLite outbox to one local
// webhook receiver (Hummingbird on 127.0.0.1) that answers every POST after 20 ms. Reports the
// drain rate and p50/p99 send latency (from the outbox's own `delivery_attempt` rows), for
// the concurrent dispatcher — rows keeping their own copy of the alerts, then rows referring
// to alerts stored in `alert` (as grouping queues them) — and, with fewer notifications, for
// one send at a time (how the dispatcher before issue #9 sent). A last run posts each
// notification (as JSON) straight through the HTTP client (no outbox, no stages): the ceiling
// this machine's HTTP stack (client and the in-process receiver) allows, so the dispatcher's
// own cost is the gap. Not a test; release build:
//   swift run -c release DeliveryBench [notifications] [concurrency] [serial-notifications]
// First, the webhook body's encoding alone: Klaxon's JSON writer against Foundation's JSONEncoder.
// Writes Benchmarks/results/delivery.json. Target (issue #9): >= 5,000 notifications/s.
import AsyncHTTPClient
import Foundation
import Hummingbird
import KlaxonCore
import KlaxonDelivery
import KlaxonStore
import KlaxonTesting
import Logging
import ServiceLifecycle

let args = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let total = args.count > 0 ? args[0] : 10_000
let concurrency = args.count > 1 ? args[1] : 256
let serialTotal = args.count > 2 ? args[2] : 300
let answerDelay = Duration.milliseconds(20)

let logger: Logger = {
    var l = Logger(label: "klaxon.deliverybench")
    l.logLevel = .error
    return l
}()

/// The receiver: 20 ms, then 200.
let router = Router()
router.post("/alerts") { request, _ -> Response in
    _ = try await request.body.collect(upTo: 1 << 20)
    try await Task.sleep(for: answerDelay)
    return Response(status: .ok)
}
let (portStream, portCont) = AsyncStream.makeStream(of: Int.self)
let app = Application(
    router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), backlog: 1024),
    onServerRunning: { channel in
        portCont.yield(channel.localAddress?.port ?? 0)
        portCont.finish()
    }, logger: logger)
let serverGroup = ServiceGroup(configuration: .init(services: [app], logger: logger))
let serverTask = Task { try await serverGroup.run() }
var port = 0
for await p in portStream { port = p }
let url = "http://127.0.0.1:\(port)/alerts"

func notification(_ i: Int) -> AlertNotification {
    let labels = ["alertname": "CVE-2024-\(10_000 + i)", "severity": "high", "source": "trivy", "image": "svc\(i % 97):1.\(i % 13)"]
    let alert = NotifiedAlert(
        status: .firing, fingerprint: Fingerprint(labels: labels), labels: labels, annotations: ["summary": "a vulnerability"],
        severity: .high, startsAt: Date())
    return AlertNotification(
        idempotencyKey: "bench/\(alert.fingerprint)", receiver: "bench", status: .firing,
        groupKey: "{}:{alertname=\"\(labels["alertname"]!)\"}", groupLabels: ["alertname": labels["alertname"]!], alerts: [alert])
}

struct Run: Encodable {
    let mode: String
    let notifications: Int
    let concurrency: Int
    let seconds: Double
    let notificationsPerSecond: Double
    let p50LatencyMs: Double
    let p99LatencyMs: Double
    /// CPU time (user + system, the whole process: dispatcher, client and receiver) per
    /// notification while the run lasted; steadier than the rate on a shared machine.
    let cpuMicrosecondsPerNotification: Double
}

/// User + system CPU seconds of this process so far.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

/// - Parameter referencing: the alerts are stored in `alert` first and the rows refer to them
///   (as grouping queues them); otherwise each row keeps its own copy.
func measure(mode: String, count: Int, concurrency: Int, referencing: Bool = false) async throws -> Run {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("klaxon-deliverybench-\(UUID().uuidString.prefix(8))")
    defer { try? FileManager.default.removeItem(at: dir) }
    let db = try StateDatabase(path: dir.appendingPathComponent("state.db").path)
    let outbox = Outbox(database: db)
    let notifications = (0..<count).map(notification)
    if referencing {
        let store = try AlertStore(database: db)
        let reports = notifications.map { n in
            let a = n.alerts[0]
            return AlertReport(
                alert: Alert(labels: a.labels, annotations: a.annotations, severity: a.severity, fingerprint: a.fingerprint),
                owner: "bench/0", receivedAt: a.startsAt)
        }
        for start in stride(from: 0, to: reports.count, by: 5_000) {
            try store.apply(BatchWrite(reports: Array(reports[start..<min(start + 5_000, reports.count)])))
        }
    }
    let queued = notifications.map { n in
        QueuedNotification(notification: n, integration: "webhook[0]", key: "\(n.idempotencyKey)/webhook[0]", referencesAlerts: referencing)
    }
    try outbox.enqueue(queued, at: Date())

    var config = HTTPClient.Configuration()
    config.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(8, concurrency)
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
    let dispatcher = OutboxDispatcher(
        outbox: outbox, sinks: ["bench/webhook[0]": WebhookSink(url: url, transport: HTTPTransport(client: client))],
        settings: DeliverySettings(concurrency: concurrency), logger: logger)
    let clock = ContinuousClock()
    let cpuStart = cpuSeconds()
    let start = clock.now
    let runner = Task { await dispatcher.run(tick: .milliseconds(50)) }
    dispatcher.nudge()
    // One index probe per poll: counting rows every 5 ms took CPU from the run it measures.
    while try outbox.hasPending() {
        try await Task.sleep(for: .milliseconds(5))
    }
    let elapsed = seconds(clock.now - start)
    let cpu = cpuSeconds() - cpuStart
    let delivered = try outbox.counts()[.delivered] ?? 0
    guard delivered == count else { fatalError("\(mode): \(delivered) of \(count) delivered") }
    dispatcher.finish()
    await runner.value
    try await client.shutdown()

    var latencies = try outbox.list(filter: .delivered, limit: count).flatMap { try outbox.attempts(of: $0.id) }
        .compactMap(\.latencySeconds).sorted()
    if latencies.isEmpty { latencies = [0] }
    let run = Run(
        mode: mode, notifications: count, concurrency: concurrency, seconds: elapsed,
        notificationsPerSecond: Double(count) / elapsed, p50LatencyMs: latencies[latencies.count / 2] * 1000,
        p99LatencyMs: latencies[min(latencies.count - 1, latencies.count * 99 / 100)] * 1000,
        cpuMicrosecondsPerNotification: cpu / Double(count) * 1e6)
    print(String(format: "  %@: %d notifications, concurrency %d: %.2f s → %.0f notifications/s; send latency p50 %.1f ms, p99 %.1f ms; CPU %.0f µs/notification",
                 mode, count, concurrency, elapsed, run.notificationsPerSecond, run.p50LatencyMs, run.p99LatencyMs, run.cpuMicrosecondsPerNotification))
    return run
}

/// Each notification as JSON, POSTed with `concurrency` requests in flight straight through the client.
func measureTransport(count: Int, concurrency: Int) async throws -> Run {
    var config = HTTPClient.Configuration()
    config.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(8, concurrency)
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
    let encoder = JSONEncoder()
    let bodies = try (0..<count).map { try encoder.encode(notification($0)) }
    let clock = ContinuousClock()
    let cpuStart = cpuSeconds()
    let start = clock.now
    var latencies = try await withThrowingTaskGroup(of: Double.self) { group in
        var out: [Double] = []
        for (i, body) in bodies.enumerated() {
            if i >= concurrency, let l = try await group.next() { out.append(l) }
            group.addTask {
                let sent = clock.now
                var request = HTTPClientRequest(url: url)
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(body)
                let response = try await client.execute(request, timeout: .seconds(10))
                _ = try await response.body.collect(upTo: 64 * 1024)
                return seconds(clock.now - sent)
            }
        }
        for try await l in group { out.append(l) }
        return out
    }
    let elapsed = seconds(clock.now - start)
    let cpu = cpuSeconds() - cpuStart
    try await client.shutdown()
    latencies.sort()
    let run = Run(
        mode: "transport", notifications: count, concurrency: concurrency, seconds: elapsed,
        notificationsPerSecond: Double(count) / elapsed, p50LatencyMs: latencies[latencies.count / 2] * 1000,
        p99LatencyMs: latencies[min(latencies.count - 1, latencies.count * 99 / 100)] * 1000,
        cpuMicrosecondsPerNotification: cpu / Double(count) * 1e6)
    print(String(format: "  %@: %d POSTs straight through the HTTP client, concurrency %d: %.2f s → %.0f/s; latency p50 %.1f ms, p99 %.1f ms; CPU %.0f µs/POST",
                 "transport", count, concurrency, elapsed, run.notificationsPerSecond, run.p50LatencyMs, run.p99LatencyMs, run.cpuMicrosecondsPerNotification))
    return run
}

/// The webhook body's encoding alone, one core: Klaxon's writer against Foundation's
/// `JSONEncoder` (the reference it is tested to match byte for byte), on the same
/// notifications of `alerts` alerts each; median of 7 runs.
struct BodyEncoding: Encodable {
    let alertsPerNotification: Int
    let notifications: Int
    let writerMicroseconds: Double
    let jsonEncoderMicroseconds: Double
}

func measureBodyEncoding(alerts: Int, count: Int) throws -> BodyEncoding {
    let batch = (0..<count).map { i in
        var n = notification(i)
        n.alerts = (0..<alerts).map { j in var a = notification(i * alerts + j).alerts[0]; a.labels["pod"] = "api-\(j)"; return a }
        return n
    }
    let clock = ContinuousClock()
    func median(_ body: () throws -> Void) rethrows -> Double {
        var runs: [Double] = []
        for _ in 0..<7 { let t0 = clock.now; try body(); runs.append(seconds(clock.now - t0)) }
        return runs.sorted()[3] / Double(count) * 1e6
    }
    var bytes = 0
    let writer = median { for n in batch { bytes &+= NotificationJSON.webhook(n).count } }
    let reference = try median { for n in batch { bytes &+= try EncoderNotificationJSON.webhook(n).count } }
    print(String(format: "  webhook body, %d alert(s): writer %.1f µs, JSONEncoder %.1f µs (%.1fx)%@", alerts, writer, reference, reference / writer, bytes == 0 ? " (empty)" : ""))
    return BodyEncoding(alertsPerNotification: alerts, notifications: count, writerMicroseconds: writer, jsonEncoderMicroseconds: reference)
}

print("DeliveryBench: release build, one SQLite outbox (WAL), one webhook receiver answering in 20 ms")
let bodyEncoding = try [1, 20].map { try measureBodyEncoding(alerts: $0, count: $0 == 1 ? 10_000 : 1_000) }
let concurrent = try await measure(mode: "concurrent", count: total, concurrency: concurrency)
let referring = try await measure(mode: "concurrent, rows refer to stored alerts", count: total, concurrency: concurrency, referencing: true)
let serial = try await measure(mode: "serial", count: serialTotal, concurrency: 1)
let transport = try await measureTransport(count: total, concurrency: concurrency)

struct Results: Encodable {
    let benchmark = "DeliveryBench"
    let receiverDelayMs = 20
    let cores = ProcessInfo.processInfo.activeProcessorCount
    let runs: [Run]
    let bodyEncoding: [BodyEncoding]
    let targetNotificationsPerSecond = 5000
}
let encoder = JSONEncoder()
encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
let resultsDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("results")
try FileManager.default.createDirectory(at: resultsDir, withIntermediateDirectories: true)
try encoder.encode(Results(runs: [concurrent, referring, serial, transport], bodyEncoding: bodyEncoding)).write(to: resultsDir.appendingPathComponent("delivery.json"))
print("  wrote \(resultsDir.appendingPathComponent("delivery.json").path)")

await serverGroup.triggerGracefulShutdown()
_ = await serverTask.result
