import Foundation
import KlaxonKafka
import KlaxonStore
import KlaxonTesting
import Logging
import Synchronization

/// One chaos run: a broker process, three webhook receivers, `klaxon run` (one or more, in one
/// consumer group) killed and restarted on a seeded schedule while the stream is produced, the broker stopped and resumed, one
/// receiver failing for a while and one that never answers; then the evidence for
/// `ChaosChecks`.
final class ChaosRun {
    let plan: ChaosPlan
    let binary: String
    let dir: URL
    private let logger = Logger(label: "chaos")
    private let start = ContinuousClock.now
    private var rng: SplitMix64
    private var kills = 0
    private var ownExits: [String] = []

    init(plan: ChaosPlan, binary: String) throws {
        self.plan = plan
        self.binary = binary
        rng = SplitMix64(seed: plan.seed ^ 0x5EED)
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("klaxon-chaos-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    var elapsed: Double { seconds(ContinuousClock.now - start) }

    func run() async throws -> ChaosChecks {
        let inputs = ChaosInputs(plan)
        say("\(inputs.messages.count) messages: \(plan.events) distinct events, \(plan.duplicates) copies, \(plan.malformed) malformed; \(plan.instances) instance(s); state and logs in \(dir.path)")
        let broker = try ChildProcess(binary, ["broker", "--topics", "\(ChaosPlan.topic),\(ChaosPlan.deadLetters)", "--partitions", "\(plan.partitions)"], in: dir)
        defer { kill(broker.process.processIdentifier, SIGCONT) }
        try await eventually("the broker printed its address", timeout: .seconds(30)) { !broker.stdout.isEmpty || !broker.isRunning }
        let brokers = broker.stdout.split(separator: "\n").first.map(String.init) ?? ""
        guard broker.isRunning, !brokers.isEmpty else { throw ChaosFailure("klaxon broker did not start: \(broker.stderr.suffix(500))") }

        let failing = (plan.failingFrom, plan.failingFrom + plan.failingFor)
        let runStart = start
        let steady = ScriptedReceiver()
        let flaky = ScriptedReceiver { _, _ in
            let t = seconds(ContinuousClock.now - runStart)
            return t >= failing.0 && t < failing.1 ? .status(503) : .ok
        }
        let stuck = ScriptedReceiver { _, _ in .hang() }
        let receivers = ["steady": steady, "flaky": flaky, "stuck": stuck]
        return try await withStarted([steady, flaky, stuck]) {
            let configs = try (0..<plan.instances).map { i in
                let config = dir.appendingPathComponent(i == 0 ? "klaxon.yml" : "klaxon-\(i).yml")
                try plan.serviceConfig(brokers: brokers, dir: dir.path, instance: i).write(to: config, atomically: true, encoding: .utf8)
                return config
            }
            try plan.routes(urls: receivers.mapValues(\.url)).write(to: dir.appendingPathComponent("routes.yml"), atomically: true, encoding: .utf8)
            var services = try configs.map(startService)

            let produced = Counter()
            let (messages, span, logger) = (inputs.messages, plan.produceSeconds, logger)
            let producer = Task { try await Self.produce(messages, over: span, from: runStart, brokers: brokers, counter: produced, logger: logger) }
            var tallies = ["steady": Tally(), "flaky": Tally()]
            var nextKill = 5 + jitter()
            var paused = false
            var lastProgress = 0.0
            var productionEnd: Double?

            // The chaos phase: kills while the stream is produced and one interval after it.
            while productionEnd == nil || elapsed < productionEnd! + plan.killEvery {
                try await Task.sleep(for: .milliseconds(200))
                if productionEnd == nil, produced.value.load(ordering: .relaxed) >= inputs.messages.count { productionEnd = elapsed }
                if !paused && elapsed >= plan.pauseAt && elapsed < plan.pauseAt + plan.pauseSeconds {
                    say("broker stopped (SIGSTOP) for \(Int(plan.pauseSeconds)) s")
                    kill(broker.process.processIdentifier, SIGSTOP)
                    paused = true
                } else if paused && elapsed >= plan.pauseAt + plan.pauseSeconds {
                    kill(broker.process.processIdentifier, SIGCONT)
                    say("broker resumed")
                    paused = false
                }
                for i in services.indices where !services[i].isRunning { services[i] = try restartAfterOwnExit(services[i], configs[i]) }
                if plan.killEvery > 0 && elapsed >= nextKill {
                    let victim = services.count == 1 ? 0 : rng.below(services.count)
                    _ = try await services[victim].stop(signal: SIGKILL)
                    kills += 1
                    services[victim] = try startService(configs[victim])
                    nextKill = elapsed + jitter()
                }
                if elapsed - lastProgress >= 5 {
                    lastProgress = elapsed
                    for (name, _) in tallies { tallies[name]!.add(receivers[name]!.received) }
                    say("produced \(produced.value.load(ordering: .relaxed)), kills \(kills), delivered alerts: steady \(tallies["steady"]!.containers.count), flaky \(tallies["flaky"]!.containers.count)")
                }
            }
            kill(broker.process.processIdentifier, SIGCONT)
            try await producer.value
            say("chaos over after \(kills) kills; waiting for every alert to reach steady and flaky")

            // Then the service runs undisturbed until both answering receivers hold every alert.
            // Past the deadline the checks below still run: they say what is missing.
            let waited = await capture { try await eventually("every alert delivered to steady and flaky", timeout: .seconds(Int64(max(10, plan.deadlineSeconds - elapsed)))) {
                for i in services.indices where !services[i].isRunning { services[i] = try restartAfterOwnExit(services[i], configs[i]) }
                for (name, _) in tallies { tallies[name]!.add(receivers[name]!.received) }
                if elapsed - lastProgress >= 5 {
                    lastProgress = elapsed
                    say("delivered alerts: steady \(tallies["steady"]!.containers.count), flaky \(tallies["flaky"]!.containers.count) of \(plan.events)")
                }
                return tallies.values.allSatisfy { $0.containers.isSuperset(of: inputs.containers) }
            } }
            if case .failure(let error) = waited { say("\(error); checking what arrived") } else { say("all delivered at \(Int(elapsed)) s; reading the dead-letter topic") }
            let letters = try await readDeadLetters(brokers: brokers, expecting: inputs.malformedCount)
            var lastExits: [Int32] = []
            for service in services { lastExits.append(try await service.stop(signal: SIGTERM)) }
            try await Task.sleep(for: .milliseconds(500))  // let in-flight webhook requests land in the logs

            var checks = ChaosChecks()
            for name in ["steady", "flaky"] {
                let accepted = receivers[name]!.accepted.map { ChaosChecks.Delivery(key: $0.idempotencyKey, body: $0.body) }
                checks.deliveries(name, accepted, expected: inputs.containers)
            }
            checks.deadLetters(letters, malformed: inputs.malformed, count: inputs.malformedCount)
            let rows = try (0..<plan.instances).flatMap { i in
                try Outbox(database: try StateDatabase(path: plan.stateFile(i, dir: dir.path))).list(filter: .all, receiver: "stuck", limit: 10_000_000)
            }
            let queued = Set(rows.flatMap { $0.notification.alerts.compactMap { $0.labels["container"] } })
            checks.waiting("stuck", containers: queued, rows: rows.count, pending: rows.filter { $0.status == .pending }.count, expected: inputs.containers)
            checks.lives(kills: kills, ownExits: ownExits, lastExits: lastExits)
            checks.note("flaky answered \(flaky.received.filter { $0.status == 503 }.count) requests with 503 between \(Int(failing.0)) s and \(Int(failing.1)) s; stuck was sent \(stuck.requestCount) requests and answered none")
            checks.note("run took \(Int(elapsed)) s")
            _ = try? await broker.stop()
            return checks
        }
    }

    private func startService(_ config: URL) throws -> ChildProcess {
        try ChildProcess(binary, ["run", "--config", config.path, "--log-level", "warning"], in: dir)
    }

    /// The service exited without being killed: a failure of the run, recorded with its
    /// status and the end of its stderr; it is started again so the run can finish.
    private func restartAfterOwnExit(_ service: ChildProcess, _ config: URL) throws -> ChildProcess {
        let status = service.process.terminationStatus
        ownExits.append("status \(status) at \(Int(elapsed)) s: \(service.stderr.suffix(400))")
        say("the service exited on its own (status \(status)); starting it again")
        return try startService(config)
    }

    private func jitter() -> Double { plan.killEvery * (2.0 / 3 + Double(rng.below(1_000)) / 1_000 * 2.0 / 3) }

    /// Produces `messages` evenly over `seconds` from `start`, each chunk acknowledged by the broker.
    private static func produce(
        _ messages: [Data], over seconds: Double, from start: ContinuousClock.Instant, brokers: String, counter: Counter, logger: Logger
    ) async throws {
        let producer = try KafkaProducer(
            properties: ["bootstrap.servers": brokers, "linger.ms": "20", "sticky.partitioning.linger.ms": "0", "message.timeout.ms": "600000"],
            logger: logger)
        let ticks = max(1, Int(seconds * 10))
        let chunk = max(1, (messages.count + ticks - 1) / ticks)
        try await producer.use { producer in
            var i = 0
            var tick = 0
            while i < messages.count {
                let due = start + .milliseconds(100 * tick)
                if ContinuousClock.now < due { try await Task.sleep(until: due) }
                let slice = messages[i..<min(i + chunk, messages.count)].map { KafkaMessage(value: $0) }
                _ = try await producer.sendAll(topic: ChaosPlan.topic, slice)
                i += slice.count
                tick += 1
                counter.value.store(i, ordering: .relaxed)
            }
        }
    }

    /// The dead-letter topic read from the beginning until it holds `count` distinct origins
    /// or a minute passes.
    private func readDeadLetters(brokers: String, expecting count: Int) async throws -> [ChaosChecks.DeadLetter] {
        let reader = try KafkaTopicReader(properties: ["bootstrap.servers": brokers], topic: ChaosPlan.deadLetters, logger: logger)
        _ = try await reader.assignAll()
        var letters: [ChaosChecks.DeadLetter] = []
        var origins = Set<String>()
        let end = ContinuousClock.now + .seconds(60)
        while origins.count < count && ContinuousClock.now < end {
            for letter in try await reader.poll(maxRecords: 5_000, maxWait: .milliseconds(500)).map(ChaosChecks.DeadLetter.init) {
                letters.append(letter)
                origins.insert("\(letter.originPartition ?? "")/\(letter.originOffset ?? "")")
            }
        }
        // Whatever else is there (re-sent letters) up to the end.
        letters += try await reader.poll(maxRecords: 100_000, maxWait: .milliseconds(500)).map(ChaosChecks.DeadLetter.init)
        await reader.close()
        return letters
    }

    private func say(_ line: String) { print(String(format: "[%6.1f s] ", elapsed) + line) }
}

extension ChaosChecks.DeadLetter {
    init(_ record: KafkaRecord) {
        self.init(originPartition: record.header("klaxon-origin-partition"), originOffset: record.header("klaxon-origin-offset"), value: record.value)
    }
}

/// Messages produced so far, read by the chaos loop.
final class Counter: Sendable {
    let value = Atomic<Int>(0)
}

/// The containers a receiver has accepted so far, read incrementally.
struct Tally {
    var seen = 0
    var containers = Set<String>()

    mutating func add(_ received: [ScriptedReceiver.Received]) {
        for r in received.dropFirst(seen) where (200..<300).contains(r.status) {
            for a in r.json["alerts"] as? [[String: Any]] ?? [] {
                if let c = ChaosChecks.container(a) { containers.insert(c) }
            }
        }
        seen = received.count
    }
}

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
