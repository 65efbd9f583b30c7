import Foundation
import KlaxonTesting
import Testing

/// `/readyz` says not ready, and why, when the service cannot do its work; a taken HTTP
/// address stops `klaxon run` and `klaxon demo` at once with an error naming it.
@Suite(.stopsServers) struct ReadinessTests {
    /// The fixture's config pointed at `brokers` instead of its own broker.
    static func retarget(_ f: ServiceFixture, to brokers: String) throws {
        let text = try String(contentsOf: f.configFile, encoding: .utf8)
        try text.replacingOccurrences(of: "brokers: \(f.broker.bootstrapServers)", with: "brokers: \(brokers)")
            .write(to: f.configFile, atomically: true, encoding: .utf8)
    }

    static func readyz(_ base: String) async -> (Int, String)? {
        guard let (status, body) = try? await HTTP.call("GET", base + "/readyz") else { return nil }
        return (status, String(decoding: body, as: UTF8.self))
    }

    @Test func notReadyWhenNoBrokerAnswers() async throws {
        let f = try await ServiceFixture()
        let port = try freePort()
        let nowhere = "127.0.0.1:\(try freePort())"
        try f.writeConfig(httpListen: "127.0.0.1:\(port)")
        try Self.retarget(f, to: nowhere)
        let service = try f.startService()
        let base = "http://127.0.0.1:\(port)"
        try await eventually("the server answers", watching: service) { (try? await HTTP.call("GET", base + "/healthz").0) == 200 }
        let (status, body) = try #require(await Self.readyz(base))
        #expect(status == 503)
        #expect(body.hasPrefix("not ready: "))
        #expect(body.contains("no Kafka broker answers at \(nowhere)"), "\(body)")
        #expect(body.contains("no partition"), "\(body)")
        _ = try await service.stop(signal: SIGKILL)
    }

    @Test func notReadyOnceTheBrokerStops() async throws {
        let f = try await ServiceFixture()
        let broker = try ChildProcess(
            Tools.klaxon, ["broker", "--topics", "\(ServiceFixture.scans),\(ServiceFixture.runtime),\(ServiceFixture.deadLetters)", "--partitions", "1"],
            in: f.dir)
        try await eventually("the broker prints its address", watching: broker) { broker.stdout.contains("\n") }
        let bootstrap = try #require(broker.stdout.split(separator: "\n").first.map(String.init))
        let port = try freePort()
        try f.writeConfig(httpListen: "127.0.0.1:\(port)")
        try Self.retarget(f, to: bootstrap)
        let service = try f.startService()
        let base = "http://127.0.0.1:\(port)"
        try await eventually("ready with the broker up", watching: service) { await Self.readyz(base).map { $0 == (200, "ready\n") } ?? false }

        #expect(try await broker.stop() == 0)
        var last = ""
        try await eventually("not ready with the broker stopped", watching: service) {
            guard let (status, body) = await Self.readyz(base) else { return false }
            last = body
            return status == 503
        }
        #expect(last.contains("no Kafka broker answers at \(bootstrap)"), "\(last)")
        // The consumer cannot leave its group without a broker: no graceful stop to wait for.
        _ = try await service.stop(signal: SIGKILL)
    }

    @Test func anIdleGroupMemberIsNotReady() async throws {
        // One partition per topic and two members of one group: one of them gets nothing.
        let f = try await ServiceFixture(partitions: 1)
        let (portA, portB) = (try freePort(), try freePort())
        try f.writeConfig(httpListen: "127.0.0.1:\(portA)")
        let first = try f.startService()
        let (a, b) = ("http://127.0.0.1:\(portA)", "http://127.0.0.1:\(portB)")
        try await eventually("the first member is ready", watching: first) { await Self.readyz(a)?.0 == 200 }

        let second = f.dir.appendingPathComponent("klaxon-b.yml")
        try String(contentsOf: f.configFile, encoding: .utf8)
            .replacingOccurrences(of: "path: \(f.statePath)", with: "path: \(f.dir.appendingPathComponent("b.db").path)")
            .replacingOccurrences(of: "listen: 127.0.0.1:\(portA)", with: "listen: 127.0.0.1:\(portB)")
            .write(to: second, atomically: true, encoding: .utf8)
        let other = try ChildProcess(Tools.klaxon, ["run", "--config", second.path], in: f.dir)
        var idle = ""
        try await eventually("one member holds the partitions, the other is not ready") {
            guard let ra = await Self.readyz(a), let rb = await Self.readyz(b) else { return false }
            switch (ra.0, rb.0) {
            case (200, 503): idle = rb.1
            case (503, 200): idle = ra.1
            default: return false
            }
            return true
        }
        #expect(idle.hasPrefix("not ready: no partition of scans, runtime, klaxon.ingest is assigned"), "the inputs and the Alertmanager API's ingest topic: \(idle)")
        #expect(!idle.contains("broker"), "\(idle)")
        #expect(try await other.stop() == 0)
        #expect(try await first.stop() == 0)
    }

    @Test func runNamesTheAddressItCannotListenOn() async throws {
        let f = try await ServiceFixture()
        let taken = try #require(f.recorder.port)
        try f.writeConfig(httpListen: "127.0.0.1:\(taken)")
        let service = try f.startService()
        let status = try await service.waitForExit()
        #expect(status != 0)
        #expect(service.stderr.contains("klaxon: error: cannot listen on 127.0.0.1:\(taken) (http.listen)"), "\(service.stderr.suffix(2000))")
    }

    @Test func demoStopsAtOnceWhenItsHTTPAddressIsTaken() async throws {
        let f = try await ServiceFixture()
        let taken = try #require(f.recorder.port)
        let demo = try ChildProcess(
            Tools.klaxon, ["demo", "--config", Tools.packageRoot.appendingPathComponent("config/klaxon.yml").path,
                           "--samples", Tools.packageRoot.appendingPathComponent("samples/demo").path],
            environment: ["KLAXON_STATE_DIR": f.dir.path, "KLAXON_HTTP_LISTEN": "127.0.0.1:\(taken)"], in: Tools.packageRoot, logs: f.dir)
        let status = try await demo.waitForExit()
        #expect(status != 0)
        // The service's own error, not the wait for deliveries running out.
        #expect(demo.stderr.contains("demo: the service stopped before the samples were handled"), "\(demo.stderr.suffix(2000))")
        #expect(demo.stderr.contains("cannot listen on 127.0.0.1:\(taken)"), "\(demo.stderr.suffix(2000))")
        #expect(!demo.stderr.contains("within"))
    }
}
