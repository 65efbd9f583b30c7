import Foundation
import KlaxonCore
import KlaxonKafka
import KlaxonStore
import KlaxonTesting
import Testing

/// Acknowledgements and resolves through an instance that does not own the alert are sent to
/// its owner over `klaxon.alerts` and applied there (docs/scaling.md): two real `klaxon run`
/// processes split the partitions; the API of one changes an alert the other owns.
@Suite(.serialized, .stopsServers) struct AlertCommandTests {
    typealias Instance = ControlTopicTests.Instance

    @Test func anAckAndAResolveThroughANonOwnerAreAppliedByTheOwnerAndNotifiedOnce() async throws {
        let f = try await ServiceFixture(partitions: 2)
        try await f.run { f in
            let producer = try f.producer()
            try await Instance.running(["one", "two"], f) { try await scenario(f, producer, $0[0], $0[1]) }
        }
    }

    func scenario(_ f: ServiceFixture, _ producer: KafkaProducer, _ one: Instance, _ two: Instance) async throws {
        for i in [one, two] {
            try await eventually("\(i.name) ready", watching: i.process!) { (try? await HTTP.call("GET", i.base + "/readyz"))?.0 == 200 }
        }
        let control = ControlTopicTests()
        let owners = try await control.probeOwners(f, producer, [one, two], probe: "Probe")
        let b = try #require(owners.values.first)
        let a = b === one ? two : one
        try #require(owners.values.contains { $0 === a }, "two owners: \(owners.mapValues(\.name))")

        // A critical alert B owns, notified by B.
        let name = control.name("Paged", ownedBy: b, in: owners)
        let paged = ControlTopicTests.alert(name)
        try await producer.send(topic: ServiceFixture.scans, value: paged.payload, partition: 0)
        try await eventually("B notified \(name)", watching: b.process!) { hooks(f, name).contains { $0.status == "firing" } }
        try await b.settled()
        #expect(try await a.alertNames().isDisjoint(with: [name]), "A holds no copy of B's alert")

        // Acknowledged through A: A answers 202 (it does not own the alert), B applies it with
        // the time A was asked, and notifies the acknowledgement once.
        let asked = Date()
        let (status, body) = try await HTTP.call("POST", a.base + "/api/v1/alerts/\(paged.fingerprint)/ack", token: "tok", actor: "ana")
        #expect(status == 202, "\(String(decoding: body, as: UTF8.self))")
        #expect(try HTTP.object(body)["status"] as? String == "forwarded")
        try await eventually("B acknowledged \(name)", watching: b.process!) { try await state(b, paged.fingerprint)?["status"] as? String == "acknowledged" }
        let acked = try #require(try await state(b, paged.fingerprint))
        let ackedAt = try #require((acked["acknowledgedAt"] as? String).flatMap { try? Date($0, strategy: .iso8601) })
        #expect(abs(ackedAt.timeIntervalSince(asked)) < 2, "the acknowledgement time is when A was asked: \(ackedAt) vs \(asked)")
        try await eventually("B sent the acknowledgement", watching: b.process!) {
            hooks(f, name).contains { $0.status == "acknowledged" && $0.by == "ana" }
        }
        let (_, auditBody) = try await HTTP.call("GET", a.base + "/api/v1/audit?action=alert.ack", token: "tok")
        let history = try #require(try JSONSerialization.jsonObject(with: auditBody) as? [[String: Any]])
        #expect(history.contains { $0["action"] as? String == "alert.ack" && ($0["detail"] as? String ?? "").contains("sent to the alert's owner") },
            "A audits what it was asked: \(history)")

        // Resolved through A: B resolves it and sends the resolved notification.
        let (resolveStatus, resolveBody) = try await HTTP.call(
            "POST", a.base + "/api/v1/alerts/\(paged.fingerprint)/resolve", token: "tok", actor: "ana")
        #expect(resolveStatus == 202, "\(String(decoding: resolveBody, as: UTF8.self))")
        try await eventually("B resolved \(name)", watching: b.process!) { try await state(b, paged.fingerprint)?["status"] as? String == "resolved" }
        try await eventually("B sent the resolution", watching: b.process!) { hooks(f, name).contains { $0.status == "resolved" } }
        try await b.settled()
        #expect(hooks(f, name).map(\.status) == ["firing", "acknowledged", "resolved"], "each once, in order")

        // A second resolve has nothing to change: the owner counts a conflict, changes nothing.
        _ = try await HTTP.call("POST", a.base + "/api/v1/alerts/\(paged.fingerprint)/resolve", token: "tok", actor: "ana")
        try await eventually("B counted the conflict", watching: b.process!) {
            try await metric(b, "klaxon_state_commands_total", ["action": "resolve", "outcome": "conflict"]) == 1
        }
        #expect(try await metric(b, "klaxon_state_commands_total", ["action": "resolve", "outcome": "applied"]) == 1)
        #expect(try await metric(b, "klaxon_state_commands_total", ["action": "acknowledge", "outcome": "applied"]) == 1)
        #expect(try await metric(a, "klaxon_state_changelog_unowned_total", [:]) == 0, "A changed nothing it does not own")

        // Through its owner the same call is applied at once and answered with the alert.
        let (ownStatus, ownBody) = try await HTTP.call("POST", b.base + "/api/v1/alerts/\(paged.fingerprint)/resolve", token: "tok")
        #expect(ownStatus == 409, "already resolved, judged by the owner: \(String(decoding: ownBody, as: UTF8.self))")
    }

    /// The webhook payloads about an alert name: their status and who acknowledged.
    func hooks(_ f: ServiceFixture, _ name: String) -> [(status: String, by: String?)] {
        f.recorder.received.compactMap { r in
            guard let body = (try? JSONSerialization.jsonObject(with: r.body)) as? [String: Any],
                let alerts = body["alerts"] as? [[String: Any]],
                alerts.contains(where: { ($0["labels"] as? [String: String])?["alertname"] == name })
            else { return nil }
            return ((body["status"] as? String) ?? "", body["acknowledgedBy"] as? String)
        }
    }

    func state(_ i: Instance, _ fp: Fingerprint) async throws -> [String: Any]? {
        let list = (try? await i.get("/api/v1/alerts")) as? [[String: Any]] ?? []
        return list.first { $0["fingerprint"] as? String == fp.description }
    }

    func metric(_ i: Instance, _ name: String, _ labels: [String: String]) async throws -> Double? {
        let (_, body) = try await HTTP.call("GET", i.base + "/metrics")
        return Prometheus.samples(String(decoding: body, as: UTF8.self)).first { s in s.name == name && labels.allSatisfy { k, v in s.labels.contains("\(k)=\"\(v)\"") } }?.value
    }
}
