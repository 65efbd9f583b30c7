import Foundation
import KlaxonTesting
import Testing

/// A reload through one instance's API is repeated by every other instance (docs/scaling.md,
/// *Cluster-wide state*): suppressions, thresholds and routes are configuration, so "made
/// through any instance, applied on all" needs every instance to load the changed files.
@Suite(.serialized, .stopsServers) struct ConfigReloadTopicTests {
    typealias Instance = ControlTopicTests.Instance

    @Test func aReloadThroughOneInstanceIsRepeatedByTheOthersAndARefusedOneIsNot() async throws {
        // Two partitions per input topic, so each instance holds one and is ready.
        let f = try await ServiceFixture(partitions: 2)
        try await f.run { f in
            try await Instance.running(["one", "two"], f) { try await scenario(f, $0[0], $0[1]) }
        }
    }

    func scenario(_ f: ServiceFixture, _ a: Instance, _ b: Instance) async throws {
        for i in [a, b] {
            try await eventually("\(i.name) ready", watching: i.process!) { (try? await HTTP.call("GET", i.base + "/readyz"))?.0 == 200 }
        }
        #expect(try await receivers(b).contains("added") == false)

        // A receiver added to the shared route file, reloaded through A: B loads it too.
        try f.writeConfig(routesExtra: receiver("added", f))
        let (status, body) = try await HTTP.call("POST", a.base + "/-/reload", token: "tok", actor: "ana")
        let message = try HTTP.object(body)["message"] as? String ?? ""
        #expect(status == 200 && message.contains("every other instance was asked"), "\(message)")
        try await eventually("B reloaded", watching: b.process!) { try await receivers(b).contains("added") }
        let reloadsOnB = try await audit(b, "config.reload")
        #expect(reloadsOnB.count == 1 && (reloadsOnB.first?["actor"] as? String ?? "").hasPrefix("ana (through "), "\(reloadsOnB)")
        #expect(try await audit(a, "config.reload").count == 1, "A does not repeat its own reload")

        // A file A refuses is not announced; the next good reload is, and B never tried the bad one
        // (the announcements share one key, so B reads them in order).
        try "route: [not, a, tree".write(to: f.routesFile, atomically: true, encoding: .utf8)
        let (refused, _) = try await HTTP.call("POST", a.base + "/-/reload", token: "tok", actor: "ana")
        #expect(refused == 500)
        try f.writeConfig(routesExtra: receiver("added", f) + receiver("again", f))
        let (again, _) = try await HTTP.call("POST", a.base + "/-/reload", token: "tok", actor: "ana")
        #expect(again == 200)
        try await eventually("B reloaded again", watching: b.process!) { try await receivers(b).contains("again") }
        #expect(try await audit(b, "config.reload").count == 2)
        #expect(try await audit(b, "config.reload.failed").isEmpty, "B was never asked to load the refused file")
        #expect(try await audit(a, "config.reload.failed").count == 1)
    }

    func receiver(_ name: String, _ f: ServiceFixture) -> String {
        "  - name: \(name)\n    file_configs:\n      - path: \(f.dir.appendingPathComponent("\(name).jsonl").path)\n"
    }

    func receivers(_ i: Instance) async throws -> Set<String> {
        let list = try await i.get("/api/v2/receivers") as? [[String: Any]] ?? []
        return Set(list.compactMap { $0["name"] as? String })
    }

    func audit(_ i: Instance, _ action: String) async throws -> [[String: Any]] {
        let (_, body) = try await HTTP.call("GET", i.base + "/api/v1/audit?action=\(action)", token: "tok")
        let all = try JSONSerialization.jsonObject(with: body) as? [[String: Any]] ?? []
        return all.filter { $0["action"] as? String == action }
    }
}
