import Foundation
import KlaxonKafka
import KlaxonTesting
import Testing

/// Issue #14's "N instances send what one instance sends", for what today's topology owns
/// (docs/scaling.md): the same input — distinct alerts, copies of them, Trivy reports over six
/// partitions and then complete re-scans that no longer list some findings — through one
/// `klaxon run` and through three in one group, each on a broker of its own. The webhook gets
/// the same set of notifications: group keys, statuses, alert sets and idempotency keys. Each
/// alert is a group of its own (the fixture's `group_by: ['...']`); a group that spans
/// instances is sent in parts until the notify stage (step 4), so that case is not claimed.
@Suite(.serialized, .stopsServers) struct InstanceCountTests {
    typealias Instance = ControlTopicTests.Instance

    /// One notification as the webhook got it.
    struct Sent: Hashable, CustomStringConvertible {
        var groupKey: String
        var status: String
        var firing: [String]
        var resolved: [String]
        var key: String
        var description: String { "\(status) \(groupKey) +\(firing.count) -\(resolved.count) [\(key)]" }
    }

    @Test func threeInstancesSendWhatOneSends() async throws {
        let one = try await run(instances: 1)
        let three = try await run(instances: 3)
        #expect(one.count >= 600 + 160 + 80, "firing alerts and scan findings, then the re-scans' resolutions: \(one.count)")
        let onlyOne = one.subtracting(three), onlyThree = three.subtracting(one)
        #expect(onlyOne.isEmpty && onlyThree.isEmpty,
                "only with one: \(onlyOne.count) \(onlyOne.prefix(3)); only with three: \(onlyThree.count) \(onlyThree.prefix(3))")
    }

    /// Runs `instances` instances on a fresh broker over the same input; the notifications sent.
    func run(instances: Int) async throws -> Set<Sent> {
        let f = try await ServiceFixture(partitions: 6)
        var sent: Set<Sent> = []
        try await f.run { f in
            let producer = try f.producer()
            try await Instance.running((0..<instances).map { "i\($0)" }, f) { all in
                for i in all {
                    try await eventually("\(i.name) ready", watching: i.process!) { (try? await HTTP.call("GET", i.base + "/readyz"))?.0 == 200 }
                }
                // 600 distinct alerts on all six partitions, 200 copies of them, and 8 images'
                // scans of 20 critical or high findings each.
                let alerts = (0..<600).map { ControlTopicTests.alert("Same-\($0)").payload }
                for (k, p) in alerts.enumerated() { try await producer.send(topic: ServiceFixture.scans, value: p, partition: Int32(k % 6)) }
                for k in stride(from: 0, to: 600, by: 3) { try await producer.send(topic: ServiceFixture.scans, value: alerts[k], partition: Int32((k + 1) % 6)) }
                for image in 0..<8 { try await producer.send(topic: ServiceFixture.scans, value: try scan(image, findings: 20), partition: Int32(image % 6)) }
                let log = SentLog(f)
                try await eventually("every alert and finding notified", timeout: .seconds(120)) {
                    Set(log.read().filter { $0.status == "firing" }.flatMap(\.firing)).count >= 600 + 160
                }
                for i in all { try await i.settled() }
                // Complete re-scans without 10 findings each: their owners resolve them.
                for image in 0..<8 { try await producer.send(topic: ServiceFixture.scans, value: try scan(image, findings: 10), partition: Int32((image + 3) % 6)) }
                try await eventually("every finding the re-scans dropped resolved", timeout: .seconds(120)) {
                    Set(log.read().flatMap(\.resolved)).count >= 80
                }
                for i in all { try await i.settled() }
                sent = Set(log.read())
            }
        }
        return sent
    }

    /// A complete Trivy report of image `image` listing its first `findings` vulnerabilities.
    func scan(_ image: Int, findings: Int) throws -> Data {
        let name = "registry.example.com/same/app\(image):1.0"
        let vulnerabilities: [[String: Any]] = (0..<findings).map { v in
            ["VulnerabilityID": "CVE-2026-\(1000 + v)", "PkgName": "lib\(v)", "InstalledVersion": "1.0.0", "FixedVersion": "1.0.1",
             "Severity": v % 2 == 0 ? "CRITICAL" : "HIGH", "Title": "lib\(v) flaw"]
        }
        return try JSONSerialization.data(withJSONObject: [
            "SchemaVersion": 2, "CreatedAt": "2026-12-01T10:00:00Z", "ArtifactName": name, "ArtifactType": "container_image",
            "Metadata": ["RepoTags": [name], "RepoDigests": ["registry.example.com/same/app\(image)@sha256:" + String(format: "%064x", image)]],
            "Results": [["Target": "\(name) (debian 12)", "Class": "os-pkgs", "Type": "debian", "Vulnerabilities": vulnerabilities]],
        ])
    }

    /// The webhook's requests as `Sent`, each parsed once however often a test polls: parsing
    /// them all at every poll kept a thread of the test process's small pool busy, which
    /// starved other tests' in-process receivers.
    final class SentLog: @unchecked Sendable {
        // @unchecked: read from one test task.
        private let f: ServiceFixture
        private var read_ = 0
        private var sent: [Sent] = []

        init(_ f: ServiceFixture) { self.f = f }

        func read() -> [Sent] {
            let received = f.recorder.received
            for r in received.dropFirst(read_) {
                guard let body = (try? JSONSerialization.jsonObject(with: r.body)) as? [String: Any] else { continue }
                let alerts = body["alerts"] as? [[String: Any]] ?? []
                func ids(_ status: String) -> [String] {
                    alerts.filter { $0["status"] as? String == status }.compactMap { $0["fingerprint"] as? String }.sorted()
                }
                sent.append(Sent(
                    groupKey: body["groupKey"] as? String ?? "", status: body["status"] as? String ?? "", firing: ids("firing"),
                    resolved: ids("resolved"), key: r.headers["idempotency-key"] ?? ""))
            }
            read_ = received.count
            return sent
        }
    }
}
