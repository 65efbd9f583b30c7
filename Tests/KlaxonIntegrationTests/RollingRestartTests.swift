import Foundation
import KlaxonKafka
import KlaxonTesting
import Logging
import Synchronization
import Testing

/// Issue #14's rolling restart and `kill -9`, with today's topology (docs/scaling.md): `klaxon
/// run` processes in one group are restarted while alerts keep arriving. Every alert is
/// notified, and an alert notified more than once carries one idempotency key. Each alert is a
/// group of its own (`group_by: ['...']`), which lives on its key's partition, so most alerts
/// are grouped by an instance that does not own them and every rebalance moves groups and
/// alerts apart (`InstanceCountTests` covers groups of many alerts). The killed instance comes
/// back on the same file, as under a process supervisor.
@Suite(.serialized, .stopsServers) struct RollingRestartTests {
    typealias Instance = ControlTopicTests.Instance

    @Test func aRollingRestartUnderLoadLosesNoAlertAndSendsNoNewKey() async throws {
        try await underLoad(["one", "two"]) { f, instances in
            for i in instances {
                let code = try await i.process!.stop()
                #expect(code == 0, "\(i.name) stopped cleanly")
                try await start(i, f)
            }
        }
    }

    @Test func oneOfThreeKilledMidStreamLosesNoAlertAndSendsNoNewKey() async throws {
        try await underLoad(["one", "two", "three"]) { f, instances in
            let victim = instances[1]
            _ = try await victim.process!.stop(signal: SIGKILL)
            // The others take its partitions once the session timeout passes, and restore them.
            let others = instances.filter { $0 !== victim }
            try await eventually("the survivors own every alerts partition", timeout: .seconds(60)) {
                var owned = 0.0
                for i in others { owned += try await metric(i, "klaxon_state_owned_partitions") ?? 0 }
                return owned == 12
            }
            try await start(victim, f)
        }
    }

    /// Starts `names`, streams alerts (at least 300, until `disrupt` has returned), runs
    /// `disrupt` once 50 are sent, and checks what the receiver got.
    func underLoad(_ names: [String], _ disrupt: @escaping (ServiceFixture, [Instance]) async throws -> Void) async throws {
        let f = try await ServiceFixture(partitions: Int32(names.count))
        try await f.run { f in
            // Each send waits for the broker's acknowledgement of a batch lingering 40 ms: the
            // stream keeps a steady pace without the test sleeping.
            let producer = try KafkaProducer(
                properties: ["bootstrap.servers": f.broker.bootstrapServers, "linger.ms": "40"], logger: Logger(label: "test"))
            Teardown.register { await producer.close() }
            try await Instance.running(names, f) { try await scenario(f, producer, $0, disrupt) }
        }
    }

    func start(_ i: Instance, _ f: ServiceFixture) async throws {
        try i.start(f)
        try await eventually("\(i.name) ready again", watching: i.process!, timeout: .seconds(60)) {
            (try? await HTTP.call("GET", i.base + "/readyz"))?.0 == 200
        }
    }

    func scenario(
        _ f: ServiceFixture, _ producer: KafkaProducer, _ instances: [Instance], _ disrupt: (ServiceFixture, [Instance]) async throws -> Void
    ) async throws {
        for i in instances {
            try await eventually("\(i.name) ready", watching: i.process!) { (try? await HTTP.call("GET", i.base + "/readyz"))?.0 == 200 }
        }
        let partitions = Int32(instances.count)
        let disrupted = Atomic(false)
        let sent = Mutex<[String]>([])
        let stream = Task {
            var k = 0
            while !disrupted.load(ordering: .acquiring) || k < 300 {
                let name = "Stream-\(k)"
                try await producer.send(topic: ServiceFixture.scans, value: ControlTopicTests.alert(name).payload, partition: Int32(k) % partitions)
                sent.withLock { $0.append(name) }
                k += 1
            }
        }
        let outcome = await capture {
            try await eventually("the stream started") { sent.withLock { $0.count } >= 50 }
            try await disrupt(f, instances)
        }
        disrupted.store(true, ordering: .releasing)
        try await stream.value
        try outcome.get()

        let names = Set(sent.withLock { $0 })
        let log = KeyLog(f)
        var keys: [String: Set<String>] = [:]
        try await eventually("every alert notified", timeout: .seconds(90)) {
            keys = log.read()
            return names.isSubset(of: keys.keys)
        }
        for i in instances { try await i.settled() }
        keys = log.read()
        let missing = names.subtracting(keys.keys)
        #expect(missing.isEmpty, "\(missing.count) of \(names.count) alerts never notified: \(missing.sorted().prefix(10))")
        let rekeyed = keys.filter { names.contains($0.key) && $0.value.count > 1 }
        #expect(rekeyed.isEmpty, "alerts notified under more than one key: \(rekeyed.prefix(5))")
        #expect(names.count >= 300)
    }

    func metric(_ i: Instance, _ name: String) async throws -> Double? {
        guard let (status, body) = try? await HTTP.call("GET", i.base + "/metrics"), status == 200 else { return nil }
        return Prometheus.samples(String(decoding: body, as: UTF8.self)).first { $0.name == name }?.value
    }

    /// Per alert name, the idempotency keys of the firing webhook requests about it; each
    /// request parsed once however often the test polls (see `InstanceCountTests.SentLog`).
    final class KeyLog: @unchecked Sendable {
        // @unchecked: read from one test task.
        private let f: ServiceFixture
        private var read_ = 0
        private var keys: [String: Set<String>] = [:]

        init(_ f: ServiceFixture) { self.f = f }

        func read() -> [String: Set<String>] {
            let received = f.recorder.received
            for r in received.dropFirst(read_) {
                guard let body = (try? JSONSerialization.jsonObject(with: r.body)) as? [String: Any], body["status"] as? String == "firing",
                    let alerts = body["alerts"] as? [[String: Any]]
                else { continue }
                for a in alerts {
                    guard let name = (a["labels"] as? [String: String])?["alertname"] else { continue }
                    keys[name, default: []].insert(r.headers["idempotency-key"] ?? "")
                }
            }
            read_ = received.count
            return keys
        }
    }
}
