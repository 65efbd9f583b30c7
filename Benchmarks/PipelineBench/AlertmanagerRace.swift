import Foundation
import KlaxonCore
import KlaxonKafka
import KlaxonService
import Logging
import Synchronization

/// The same 20,000 Alertmanager-shaped alerts and the same tree (`../shared/routing/
/// alertmanager.yml`) sent to Alertmanager 0.25 over HTTP, to `klaxon run` over Kafka, and to
/// `klaxon run` over HTTP (`POST /api/v2/alerts`, as Prometheus sends), each a separate process
/// measured alike: wall time until every expected (receiver, group) has been notified, then
/// until every expected (receiver, alert) pair has been delivered, CPU seconds and peak RSS.
enum AlertmanagerRace {
    struct Side {
        var name: String
        var seconds: Double?
        var cpuSeconds: Double
        var rssMB: Double
        var groups: Int
        var expected: Int
        /// Seconds until every expected (receiver, alert) pair was delivered (nil: not in time).
        var pairSeconds: Double? = nil
        var pairs = 0
        var pairsExpected = 0
        var json: [String: Any] {
            ["system": name, "seconds": seconds ?? NSNull(), "cpu_seconds": cpuSeconds, "peak_rss_mb": rssMB, "groups_notified": groups, "groups_expected": expected,
             "pairs_seconds": pairSeconds ?? NSNull(), "pairs_delivered": pairs, "pairs_expected": pairsExpected]
        }
    }

    static let tree = "../shared/routing/alertmanager.yml"

    /// Which systems race: all three, or Alertmanager against Klaxon over HTTP only.
    enum Sides { case all, http }

    static func run(alerts count: Int, inhibition: Bool, timeout: Duration, sides which: Sides = .all, logger: Logger) async throws -> [Side] {
        guard FileManager.default.fileExists(atPath: tree) else { throw BenchFailure("\(tree) is missing (run from the repo root with ../shared beside it)") }
        let alerts = makeAlerts(count)
        let recorder = GroupRecorder()
        let port = try await recorder.start()
        defer { Task { await recorder.stop() } }
        let dir = Harness.tempDir("am")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var yaml = try String(contentsOfFile: tree, encoding: .utf8).replacingOccurrences(of: "127.0.0.1:19095", with: "127.0.0.1:\(port)")
        if !inhibition, let cut = yaml.range(of: "inhibit_rules:"), let end = yaml.range(of: "receivers:", range: cut.upperBound..<yaml.endIndex) {
            yaml.removeSubrange(cut.lowerBound..<end.lowerBound)
        }
        try yaml.write(toFile: dir + "/am.yml", atomically: true, encoding: .utf8)
        let (routing, _) = try LoadedConfig.loadRouting([dir + "/am.yml"])

        var sides: [Side] = []
        // Alertmanager: labels exactly as sent.
        let amExpected = expectedGroups(alerts, routing: routing, inhibition: inhibition)
        var am = try await alertmanager(alerts, dir: dir, recorder: recorder, expected: amExpected, timeout: timeout)
        try await countPairs(&am, recorder, expected: expectedPairs(alerts, routing: routing, inhibition: inhibition), timeout: timeout)
        sides.append(am)
        // Klaxon: the labels its decoder produces from the same payloads.
        if which == .all {
            recorder.reset()
            let payloads = stride(from: 0, to: alerts.count, by: 100).map { webhookPayload(Array(alerts[$0..<min($0 + 100, alerts.count)])) }
            let decoded = try payloads.flatMap { try Decoders.decode($0, format: .alertmanager, context: DecodeContext(receivedAt: Date())).alerts.map(\.labels) }
            var side = try await klaxon(payloads, dir: dir, recorder: recorder, expected: expectedGroups(decoded, routing: routing, inhibition: inhibition), timeout: timeout, logger: logger)
            try await countPairs(&side, recorder, expected: expectedPairs(decoded, routing: routing, inhibition: inhibition), timeout: timeout)
            sides.append(side)
        }
        // Klaxon over HTTP: each alert as `POST /api/v2/alerts` turns it into Kafka input.
        recorder.reset()
        let pushed = try PostableAlerts.parse(try JSONSerialization.data(withJSONObject: alerts.map { ["labels": $0] }), now: Date()).messages
        let decoded = try pushed.flatMap { try Decoders.decode($0.payload, format: .alertmanager, context: DecodeContext(receivedAt: Date())).alerts.map(\.labels) }
        var http = try await klaxonHTTP(alerts, dir: dir, recorder: recorder, expected: expectedGroups(decoded, routing: routing, inhibition: inhibition), timeout: timeout)
        try await countPairs(&http, recorder, expected: expectedPairs(decoded, routing: routing, inhibition: inhibition), timeout: timeout)
        sides.append(http)
        return sides
    }

    /// Label sets over the tree's vocabulary; 400 alertnames give thousands of groups.
    static func makeAlerts(_ n: Int) -> [[String: String]] {
        var rng = SystemRandomNumberGenerator()
        let clusters = ["prod-eu", "prod-us", "staging", "staging-2", nil]
        let severities = ["critical", "warning", "info", nil]
        let sources = ["prometheus", "synthetic", "loki", "external", nil]
        let teams = ["db", "web", "frontend", "webapp", "infra", nil]
        return (0..<n).map { i in
            var l = ["alertname": "Alert\(i % 400)", "instance": "host-\(i)"]
            l["cluster"] = clusters.randomElement(using: &rng)!
            l["severity"] = severities.randomElement(using: &rng)!
            l["source"] = sources.randomElement(using: &rng)!
            l["team"] = teams.randomElement(using: &rng)!
            return l
        }
    }

    /// (receiver, group key) pairs that get a notification: groups with an unmuted alert.
    static func expectedGroups(_ alerts: [[String: String]], routing: RoutingConfig, inhibition: Bool) -> Set<String> {
        let inhibitor = inhibition && !routing.inhibitRules.isEmpty ? Inhibitor(rules: routing.inhibitRules, firingAlerts: alerts) : nil
        var out: Set<String> = []
        for labels in alerts where !(inhibitor?.mutes(labels, at: Date()) ?? false) {
            for route in routing.tree.match(labels) { out.insert(route.receiver + " " + GroupKey(route: route, labels: labels).value) }
        }
        return out
    }

    /// (receiver, alert) pairs that get delivered: every route an unmuted alert matches; an
    /// alert is named by its `instance` label (unique per alert here).
    static func expectedPairs(_ alerts: [[String: String]], routing: RoutingConfig, inhibition: Bool) -> Set<String> {
        let inhibitor = inhibition && !routing.inhibitRules.isEmpty ? Inhibitor(rules: routing.inhibitRules, firingAlerts: alerts) : nil
        var out: Set<String> = []
        for labels in alerts where !(inhibitor?.mutes(labels, at: Date()) ?? false) {
            for route in routing.tree.match(labels) { out.insert(route.receiver + " " + (labels["instance"] ?? "")) }
        }
        return out
    }

    /// After the groups: waits until every expected pair was delivered (later alerts of a group
    /// come with its next `group_interval`), then records the counts. The clock runs from the
    /// same start as the groups' time.
    static func countPairs(_ side: inout Side, _ recorder: GroupRecorder, expected: Set<String>, timeout: Duration) async throws {
        side.pairsExpected = expected.count
        if side.seconds != nil, let start = recorder.startedAt {
            let deadline = ContinuousClock.now + timeout
            while !expected.isSubset(of: recorder.pairs), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            if expected.isSubset(of: recorder.pairs) { side.pairSeconds = Harness.seconds(ContinuousClock.now - start) }
        }
        side.pairs = recorder.pairs.intersection(expected).count
    }

    static func alertmanager(_ alerts: [[String: String]], dir: String, recorder: GroupRecorder, expected: Set<String>, timeout: Duration) async throws -> Side {
        let binary = "/usr/bin/prometheus-alertmanager"
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw BenchFailure("\(binary) missing: apt-get install prometheus-alertmanager") }
        let port = try freePort()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["--config.file=\(dir)/am.yml", "--storage.path=\(dir)/am-data", "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address=", "--log.level=error"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { p.terminate(); p.waitUntilExit() }
        let base = "http://127.0.0.1:\(port)/api/v2/alerts"
        try await Latency.until(.seconds(30)) { (try? post(base, Data("[]".utf8))) == 200 }  // 200 once the API serves
        let start = ContinuousClock.now
        recorder.startedAt = start
        let now = ISO8601DateFormatter().string(from: Date())
        let end = ISO8601DateFormatter().string(from: Date().addingTimeInterval(3600))
        for chunk in stride(from: 0, to: alerts.count, by: 1000).map({ alerts[$0..<min($0 + 1000, alerts.count)] }) {
            let body = try JSONSerialization.data(withJSONObject: chunk.map { ["labels": $0, "startsAt": now, "endsAt": end] })
            guard try post(base, body) == 200 else { throw BenchFailure("Alertmanager refused a batch") }
        }
        let seconds = try? await waitForGroups(recorder, expected: expected, timeout: timeout, since: start)
        return Side(name: "Alertmanager 0.25 (HTTP)", seconds: seconds, cpuSeconds: cpu(p.processIdentifier), rssMB: peakRSS(p.processIdentifier),
                    groups: recorder.groups.intersection(expected).count, expected: expected.count)
    }

    static func klaxon(_ payloads: [Data], dir: String, recorder: GroupRecorder, expected: Set<String>, timeout: Duration, logger: Logger) async throws -> Side {
        let binary = ChildKlaxon.binary
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw BenchFailure("\(binary) missing: swift build -c release --product klaxon") }
        let broker = try EmbeddedBroker(topics: ["am.alerts", "am.deadletter"], partitions: 8)
        try broker.createStateTopics()
        try """
            kafka:
              brokers: \(broker.bootstrapServers)
              group_id: am-race
              topics: [{name: am.alerts, format: alertmanager}]
              dead_letter_topic: am.deadletter
              batch: {max_records: 2000, max_wait: 20ms}
            state:
              path: \(dir)/klaxon.db
            routes: [\(dir)/am.yml]
            """.write(toFile: dir + "/klaxon.yml", atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["run", "--config", dir + "/klaxon.yml", "--log-level", "error"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { p.terminate(); p.waitUntilExit() }
        // Warm up: one alert through, so the consumer group has joined before timing starts.
        let producer = try KafkaProducer(properties: ["bootstrap.servers": broker.bootstrapServers, "linger.ms": "5"], logger: logger)
        let (start, cpuBefore) = try await producer.use { producer in
            _ = try await producer.send(topic: "am.alerts", value: webhookPayload([["alertname": "Warmup", "source": "external"]]))
            try await Latency.until(.seconds(60)) { !recorder.groups.isEmpty }
            recorder.reset()
            let cpuBefore = cpu(p.processIdentifier)
            let start = ContinuousClock.now
            recorder.startedAt = start
            _ = try await producer.sendAll(topic: "am.alerts", payloads.map { KafkaMessage(value: $0) })
            return (start, cpuBefore)
        }
        let seconds = try? await waitForGroups(recorder, expected: expected, timeout: timeout, since: start)
        return Side(name: "Klaxon (Kafka, durable)", seconds: seconds, cpuSeconds: cpu(p.processIdentifier) - cpuBefore, rssMB: peakRSS(p.processIdentifier),
                    groups: recorder.groups.intersection(expected).count, expected: expected.count)
    }

    /// `klaxon run` with its HTTP API on, fed through `POST /api/v2/alerts` in batches of 1,000
    /// (each answered once the broker acknowledged it).
    static func klaxonHTTP(_ alerts: [[String: String]], dir: String, recorder: GroupRecorder, expected: Set<String>, timeout: Duration) async throws -> Side {
        let binary = ChildKlaxon.binary
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw BenchFailure("\(binary) missing: swift build -c release --product klaxon") }
        let broker = try EmbeddedBroker(topics: ["am.deadletter", "scans"], partitions: 8)
        try broker.createStateTopics()
        try broker.createTopic("klaxon.ingest", partitions: 8)
        let port = try freePort()
        try """
            kafka:
              brokers: \(broker.bootstrapServers)
              group_id: am-race-http
              topics: [{name: scans}]
              dead_letter_topic: am.deadletter
              batch: {max_records: 2000, max_wait: 20ms}
            state:
              path: \(dir)/klaxon-http.db
            routes: [\(dir)/am.yml]
            http:
              listen: 127.0.0.1:\(port)
            """.write(toFile: dir + "/klaxon-http.yml", atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["run", "--config", dir + "/klaxon-http.yml", "--log-level", "error"]
        p.environment = ProcessInfo.processInfo.environment.merging(["KLAXON_API_TOKEN": "bench"]) { _, new in new }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { p.terminate(); p.waitUntilExit() }
        let base = "http://127.0.0.1:\(port)"
        // Warm up: the API answers, the consumer group has joined and one alert went through.
        try await Latency.until(.seconds(60)) { (try? get(base + "/-/ready")) == 200 }
        let warmup = try JSONSerialization.data(withJSONObject: [["labels": ["alertname": "Warmup", "source": "external"]]])
        guard try post(base + "/api/v2/alerts", warmup, token: "bench") == 200 else { throw BenchFailure("Klaxon refused the warm-up alert") }
        try await Latency.until(.seconds(60)) { !recorder.groups.isEmpty }
        recorder.reset()
        let cpuBefore = cpu(p.processIdentifier)
        let start = ContinuousClock.now
        recorder.startedAt = start
        for chunk in stride(from: 0, to: alerts.count, by: 1000).map({ alerts[$0..<min($0 + 1000, alerts.count)] }) {
            let body = try JSONSerialization.data(withJSONObject: chunk.map { ["labels": $0] })
            guard try post(base + "/api/v2/alerts", body, token: "bench") == 200 else { throw BenchFailure("Klaxon refused a batch") }
        }
        let seconds = try? await waitForGroups(recorder, expected: expected, timeout: timeout, since: start)
        return Side(name: "Klaxon (HTTP /api/v2/alerts, durable)", seconds: seconds, cpuSeconds: cpu(p.processIdentifier) - cpuBefore,
                    rssMB: peakRSS(p.processIdentifier), groups: recorder.groups.intersection(expected).count, expected: expected.count)
    }

    static func get(_ url: String) throws -> Int {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        p.arguments = ["-s", "-o", "/dev/null", "-w", "%{http_code}", url]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let code = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Int(String(decoding: code, as: UTF8.self)) ?? 0
    }

    static func webhookPayload(_ alerts: [[String: String]]) -> Data {
        let now = ISO8601DateFormatter().string(from: Date())
        let body: [String: Any] = [
            "version": "4", "status": "firing", "receiver": "bench", "groupLabels": [:], "commonLabels": [:], "commonAnnotations": [:],
            "externalURL": "http://bench", "groupKey": "{}:{}",
            "alerts": alerts.map { ["status": "firing", "labels": $0, "annotations": [:], "startsAt": now, "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "", "fingerprint": ""] as [String: Any] },
        ]
        return try! JSONSerialization.data(withJSONObject: body)
    }

    static func waitForGroups(_ recorder: GroupRecorder, expected: Set<String>, timeout: Duration, since start: ContinuousClock.Instant) async throws -> Double {
        let deadline = ContinuousClock.now + timeout
        while !expected.isSubset(of: recorder.groups) {
            guard ContinuousClock.now < deadline else { throw BenchFailure("not every group notified") }
            try await Task.sleep(for: .milliseconds(10))
        }
        return Harness.seconds(ContinuousClock.now - start)
    }

    static func post(_ url: String, _ body: Data, token: String? = nil) throws -> Int {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        // A bench-only token, so on the command line.
        p.arguments = ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-H", "Content-Type: application/json"]
            + (token.map { ["-H", "Authorization: Bearer \($0)"] } ?? []) + ["--data-binary", "@-", url]
        let inp = Pipe(), out = Pipe()
        p.standardInput = inp
        p.standardOutput = out
        try p.run()
        inp.fileHandleForWriting.write(body)
        try inp.fileHandleForWriting.close()
        let code = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Int(String(decoding: code, as: UTF8.self)) ?? 0
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// User + system CPU seconds of a process so far.
    static func cpu(_ pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return .nan }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command: state is field 3, utime 14, stime 15 (1-based, whole line).
        guard fields.count > 13, let u = Double(fields[11]), let s = Double(fields[12]) else { return .nan }
        return (u + s) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static func peakRSS(_ pid: Int32) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return .nan }
        return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
    }

    /// Records every distinct (receiver, group key) notified by webhook; the URL path is the receiver.
    /// Also records every (receiver, alert) pair delivered firing, the alert named by `instance`.
    final class GroupRecorder: Sendable {
        private let seen = Mutex<Set<String>>([])
        private let delivered = Mutex<Set<String>>([])
        private let start = Mutex<ContinuousClock.Instant?>(nil)
        private let server = BenchServer()

        var groups: Set<String> { seen.withLock { $0 } }
        var pairs: Set<String> { delivered.withLock { $0 } }
        /// When the side being measured started sending.
        var startedAt: ContinuousClock.Instant? {
            get { start.withLock { $0 } }
            set { start.withLock { $0 = newValue } }
        }
        func reset() {
            seen.withLock { $0 = [] }
            delivered.withLock { $0 = [] }
            start.withLock { $0 = nil }
        }

        func start() async throws -> Int {
            try await server.start { [self] path, body, _ in
                let json = try JSONSerialization.jsonObject(with: body) as? [String: Any]
                let key = json?["groupKey"] as? String ?? ""
                let receiver = String(path.dropFirst())
                seen.withLock { _ = $0.insert(receiver + " " + key) }
                let alerts = (json?["alerts"] as? [[String: Any]] ?? []).filter { $0["status"] as? String == "firing" }
                let names = alerts.compactMap { ($0["labels"] as? [String: String])?["instance"] }
                delivered.withLock { for n in names { $0.insert(receiver + " " + n) } }
            }
        }
        func stop() async { await server.stop() }
    }
}
