import Foundation
import KlaxonCore
import KlaxonStore
import KlaxonTesting
import Testing

/// `send_resolved_when_silenced` through `klaxon run`: a critical fires and both webhook
/// receivers are notified; a silence (through the API) mutes it; a re-scan resolves it. The
/// receiver with the flag gets the resolved notification; the one without it does not.
@Suite(.stopsServers) struct SendResolvedWhenSilencedServiceTests {
    @Test func onlyTheFlaggedReceiverHearsOfTheSilencedResolution() async throws {
        try await withServer { server in
            let f = try await ServiceFixture()
            try await f.run { try await run($0, server) }
        }
    }

    func run(_ f: ServiceFixture, _ server: ChannelTestServer) async throws {
        let port = try freePort()
        try f.writeConfig(httpListen: "127.0.0.1:\(port)")
        try """
            route:
              receiver: log
              group_by: [cve]
              group_wait: 0s
              group_interval: 1s
              routes:
                - receiver: closes
                  matchers: ['cve="CVE-2024-6387"']
                  continue: true
                - receiver: plain
                  matchers: ['cve="CVE-2024-6387"']
            receivers:
              - name: log
                file_configs:
                  - path: \(f.alertsFile.path)
              - name: closes
                send_resolved_when_silenced: true
                webhook_configs:
                  - url: \(server.base)/closes
              - name: plain
                webhook_configs:
                  - url: \(server.base)/plain
            """.write(to: f.routesFile, atomically: true, encoding: .utf8)
        let service = try f.startService(environment: ["KLAXON_API_TOKEN": "tok"])
        let base = "http://127.0.0.1:\(port)"
        func statuses(_ path: String) -> [String] { server.received.filter { $0.path == path }.compactMap { $0.json["status"] as? String } }

        let producer = try f.producer()
        try await producer.send(topic: ServiceFixture.scans, value: try AlertLifecycleTests().trivyReport())
        try await eventually("both receivers notified of the firing CVE") { statuses("/closes") == ["firing"] && statuses("/plain") == ["firing"] }

        let (status, _) = try await HTTP.call(
            "POST", base + "/api/v1/silences", token: "tok",
            json: ["matchers": ["cve=\"CVE-2024-6387\""], "endsAt": Date().addingTimeInterval(3600).formatted(.iso8601),
                   "createdBy": "ana", "comment": "patch rolling out"])
        #expect(status == 200)
        try await producer.send(topic: ServiceFixture.scans, value: try AlertLifecycleTests().trivyReport(without: ["CVE-2024-6387"]))
        try await eventually("the flagged receiver closes the incident") { statuses("/closes") == ["firing", "resolved"] }
        let resolved = try #require(server.received.last { $0.path == "/closes" }?.json)
        #expect((resolved["alerts"] as? [[String: Any]])?.compactMap { ($0["labels"] as? [String: Any])?["cve"] as? String } == ["CVE-2024-6387"])
        // Both receivers' groups flush on the same deadlines, so the plain receiver's flush that
        // saw the resolution has run; its outbox holds only the firing notification.
        let plain = try Outbox(database: StateDatabase(path: f.statePath)).list(receiver: "plain")
        #expect(plain.map(\.notification.status) == [.firing], "without the flag the silenced resolution stays muted")
        #expect(statuses("/plain") == ["firing"])
        #expect(try await service.stop() == 0, "stderr: \(service.stderr.suffix(2000))")
        #expect(statuses("/plain") == ["firing"])
    }
}
