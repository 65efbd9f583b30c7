import Foundation
import KlaxonStore
import KlaxonTesting
import Testing

/// `klaxon silence import` is idempotent and `klaxon silence expire` takes unique id prefixes.
@Suite(.stopsServers) struct SilenceCLITests {
    static func export(_ count: Int) -> String {
        let items = (0..<count).map { i in
            """
            {"id": "x\(i)", "status": {"state": "active"}, "createdBy": "carol", "comment": "maintenance \(i)",
             "startsAt": "2026-01-01T00:00:00.000Z", "endsAt": "2099-01-01T00:00:00.000Z",
             "matchers": [{"name": "alertname", "value": "DiskFull", "isRegex": false, "isEqual": true},
                          {"name": "host", "value": "db-\(i)", "isRegex": false, "isEqual": true}]}
            """
        }
        return "[" + items.joined(separator: ",\n") + "]"
    }

    @Test func importingTwiceAddsNothingAndExpireTakesAUniquePrefix() async throws {
        let f = try await ServiceFixture()
        let port = try freePort()
        try f.writeConfig(httpListen: "127.0.0.1:\(port)")
        let service = try f.startService(environment: ["KLAXON_API_TOKEN": "tok"])
        let base = "http://127.0.0.1:\(port)"
        try await eventually("the API answers", watching: service) { (try? await HTTP.call("GET", base + "/healthz").0) == 200 }
        let env = ["KLAXON_API_TOKEN": "tok", "KLAXON_URL": base]
        // 17 silences: two of their random ids share a first hex digit.
        let file = f.dir.appendingPathComponent("silences.json")
        try Self.export(17).write(to: file, atomically: true, encoding: .utf8)

        let (first, out1, err1) = try await f.klaxon(["silence", "import", file.path], environment: env)
        #expect(first == 0, "\(err1)")
        #expect(out1.contains("imported 17, skipped 0"), "\(out1)")
        let (second, out2, err2) = try await f.klaxon(["silence", "import", file.path], environment: env)
        #expect(second == 0, "\(err2)")
        #expect(out2.contains("imported 0, skipped 0, already present 17"), "\(out2)")
        let stored = try SilenceStore(database: StateDatabase(path: f.statePath)).all()
        #expect(stored.count == 17)
        let audit = try AuditLog(database: StateDatabase(path: f.statePath)).entries().filter { $0.action == "silence.create" }
        #expect(audit.count == 17)

        let ids = stored.map(\.id)
        let byFirst = Dictionary(grouping: ids, by: { $0.prefix(1) })
        let (shared, _) = try #require(byFirst.first { $0.value.count > 1 })
        let (ambiguous, _, ambiguousErr) = try await f.klaxon(["silence", "expire", String(shared)], environment: env)
        #expect(ambiguous == 1)
        #expect(ambiguousErr.hasPrefix("klaxon: error: silence id prefix \"\(shared)\" is ambiguous, it matches "), "\(ambiguousErr)")
        let (unknown, _, unknownErr) = try await f.klaxon(["silence", "expire", "zz"], environment: env)
        #expect(unknown == 1)
        #expect(unknownErr == "klaxon: error: no silence id starts with \"zz\"\n")

        // The shortest prefix that names one silence.
        let target = ids[0]
        let prefix = try #require((1...target.count).map { String(target.prefix($0)) }.first { p in ids.filter { $0.hasPrefix(p) }.count == 1 })
        let (expired, expireOut, expireErr) = try await f.klaxon(["silence", "expire", prefix], environment: env)
        #expect(expired == 0, "\(expireErr)")
        #expect(expireOut == "expired \(target)\n")
        let after = try SilenceStore(database: StateDatabase(path: f.statePath)).get(target)
        #expect(after?.state(at: Date()) == .expired)
        #expect(try SilenceStore(database: StateDatabase(path: f.statePath)).all().filter { $0.state(at: Date()) == .active }.count == 16)
        #expect(try await service.stop() == 0)
    }
}
