import Foundation
import Hummingbird
import KlaxonCore
import KlaxonKafka
import KlaxonStore
import Logging
import Testing

@testable import KlaxonService

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The Alertmanager API v2 routes over a real socket, a real state file and the embedded
/// broker: what a push produces and when it is refused, silences posted twice, updated and
/// expired, and reads behind the token when configured so.
@Suite struct AlertmanagerV2RoutesTests {
    static let topic = "am.ingest"

    /// A served router as the service builds it; token `tok`.
    final class World: @unchecked Sendable {
        // @unchecked: used from one test task; the members are Sendable or immutable.
        let broker: EmbeddedBroker
        let producer: KafkaProducer
        let silences: SilenceStore
        let audit: AuditLog
        let server = LoopbackServer()
        var base = ""

        init(_ config: AlertmanagerAPIConfig = AlertmanagerAPIConfig()) async throws {
            broker = try EmbeddedBroker(topics: [AlertmanagerV2RoutesTests.topic])
            producer = try KafkaProducer(properties: ["bootstrap.servers": broker.bootstrapServers], logger: Logger(label: "test"))
            let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("klaxon-amv2-\(UUID().uuidString.prefix(8))")
            let database = try StateDatabase(path: dir.appendingPathComponent("state.db").path)
            let store = try AlertStore(database: database)
            silences = SilenceStore(database: database)
            audit = AuditLog(database: database)
            let falsePositives = FalsePositiveStore(database: database)
            let noise = try NoiseGate(config: NoiseConfig(), falsePositives: falsePositives)
            let routing = try RoutingConfig.load(
                yaml: "route: {receiver: r, routes: [{receiver: web, matchers: ['team=\"web\"']}]}\nreceivers:\n  - name: r\n  - name: web\n", file: "r.yml")
            let grouping = GroupingEngine(
                routing: routing, integrations: [:], store: store, silences: silences, noise: noise, logger: Logger(label: "test"))
            let service = try ServiceConfig.load(yaml: "kafka: {embedded: true, topics: [{name: t}]}\n", file: "k.yml")
            let api = ApiDependencies(
                store: store, silences: silences,
            control: LocalControlLog(silences: silences, falsePositives: falsePositives), audit: audit, grouping: grouping,
                config: ActiveConfig(config: LoadedConfig(service: service, routing: routing, routeFiles: []), integrations: [:]), noise: noise,
                falsePositives: falsePositives, outbox: Outbox(database: database),
                history: AlertHistory(database: database), token: try ApiToken(config: service, environment: ["KLAXON_API_TOKEN": "tok"]),
                reload: { _ in ReloadOutcome(ok: true, message: "unchanged") },
                alertmanager: AlertmanagerV2Context(
                    push: AlertPushProducer(producer: producer, topic: AlertmanagerV2RoutesTests.topic), config: config, groupID: "g",
                    bootstrap: broker.bootstrapServers, startedAt: Date()))
            let port = try await server.start(OpsServer.router(ready: ReadyFlag(), outbox: Outbox(database: database), api: api), label: "test.amv2")
            base = "http://127.0.0.1:\(port)"
        }

        func call(_ method: String, _ path: String, token: String? = "tok", body: Data? = nil) async throws -> (Int, Data) {
            var request = URLRequest(url: URL(string: base + path)!)
            request.httpMethod = method
            if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
            request.httpBody = body
            let (data, response) = try await URLSession.shared.data(for: request)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
        }

        func json(_ method: String, _ path: String, _ value: Any, token: String? = "tok") async throws -> (Int, Any?) {
            let (status, data) = try await call(method, path, token: token, body: try JSONSerialization.data(withJSONObject: value))
            return (status, try? JSONSerialization.jsonObject(with: data, options: .fragmentsAllowed))
        }

        /// Every record of the ingest topic, read by a fresh group.
        func records(expecting count: Int) async throws -> [KafkaRecord] {
            let consumer = try KafkaConsumer(
                properties: ["bootstrap.servers": broker.bootstrapServers, "group.id": "reader-\(UUID().uuidString.prefix(8))"],
                topics: [AlertmanagerV2RoutesTests.topic], logger: Logger(label: "test"))
            var out: [KafkaRecord] = []
            let end = ContinuousClock.now + .seconds(30)
            while out.count < count && ContinuousClock.now < end {
                out += try await consumer.poll(maxRecords: 100, maxWait: .milliseconds(200))
            }
            // Anything beyond `count` that is already there shows up in one more short poll.
            out += try await consumer.poll(maxRecords: 100, maxWait: .milliseconds(500))
            await consumer.close()
            return out
        }

        func run(_ body: (World) async throws -> Void) async throws {
            do { try await body(self) } catch {
                await server.stop()
                await producer.close()
                throw error
            }
            await server.stop()
            await producer.close()
        }
    }

    @Test func aPushIsProducedOnlyWhenValidAndAuthorized() async throws {
        try await World(configWith { $0.maxRequestBytes = 2048 }).run { w in
            let alert: [String: Any] = ["labels": ["alertname": "A", "team": "web"], "endsAt": "2000-01-01T00:00:00Z"]
            #expect(try await w.json("POST", "/api/v2/alerts", [alert], token: nil).0 == 401)
            #expect(try await w.json("POST", "/api/v2/alerts", [alert], token: "wrong").0 == 401)
            let (bad, badBody) = try await w.call("POST", "/api/v2/alerts", body: Data("[{".utf8))
            #expect(bad == 400)
            #expect(try JSONSerialization.jsonObject(with: badBody, options: .fragmentsAllowed) as? String == "parsing alerts body failed: not valid JSON")
            let big = [[String: Any]](repeating: ["labels": ["alertname": String(repeating: "x", count: 100)]], count: 40)
            #expect(try await w.json("POST", "/api/v2/alerts", big).0 == 413)

            // One valid alert and one refused: 400 naming the refused one, the valid one produced.
            let (mixed, message) = try await w.json("POST", "/api/v2/alerts", [alert, ["labels": ["foo-bar": "x"]]])
            #expect(mixed == 400)
            #expect((message as? String)?.contains("alerts[1]: invalid label set: invalid name \"foo-bar\"") == true, "\(String(describing: message))")
            #expect(try await w.json("POST", "/api/v2/alerts", [["labels": ["alertname": "B"]]]).0 == 200)

            let records = try await w.records(expecting: 2)
            #expect(records.count == 2, "nothing produced for the refused calls")
            let payloads = records.compactMap { try? JSONSerialization.jsonObject(with: $0.value) as? [String: Any] }
            #expect(payloads.map { $0["status"] as? String } == ["resolved", "firing"], "endsAt in the past is resolved")
            #expect(payloads.allSatisfy { $0["version"] as? String == "4" })
            #expect(records.first?.key.map { String(decoding: $0, as: UTF8.self) } == Fingerprint(labels: ["alertname": "A", "team": "web"]).description)
        }
    }

    @Test func theSameSilencePostedTwiceIsOneSilence() async throws {
        try await World().run { w in
            let silence: [String: Any] = [
                "matchers": [["name": "team", "value": "web", "isRegex": false, "isEqual": true]],
                "startsAt": "2000-01-01T00:00:00Z", "endsAt": "2999-01-01T00:00:00.123456789Z", "createdBy": "ops", "comment": "maintenance",
            ]
            let (s1, first) = try await w.json("POST", "/api/v2/silences", silence)
            let (s2, second) = try await w.json("POST", "/api/v2/silences", silence)
            #expect(s1 == 200 && s2 == 200)
            let id = try #require((first as? [String: Any])?["silenceID"] as? String)
            #expect((second as? [String: Any])?["silenceID"] as? String == id)
            #expect(try w.silences.all().count == 1)
            #expect(try w.audit.entries(limit: 100).filter { $0.action == "silence.create" }.count == 1)

            // A different comment is a different silence; posting it with the id replaces the first.
            var changed = silence
            changed["comment"] = "longer maintenance"
            changed["id"] = id
            let (s3, third) = try await w.json("POST", "/api/v2/silences", changed)
            let newID = try #require((third as? [String: Any])?["silenceID"] as? String)
            #expect(s3 == 200 && newID != id)
            let (_, list) = try await w.call("GET", "/api/v2/silences")
            let states = Dictionary(uniqueKeysWithValues: ((try JSONSerialization.jsonObject(with: list) as? [[String: Any]]) ?? []).map {
                ($0["id"] as? String ?? "", ($0["status"] as? [String: Any])?["state"] as? String ?? "")
            })
            #expect(states == [id: "expired", newID: "active"])

            // Filter: by matcher (the silence's matchers read as labels) and by creator.
            let (_, filtered) = try await w.call("GET", "/api/v2/silences?filter=team%3D%22db%22")
            #expect((try JSONSerialization.jsonObject(with: filtered) as? [[String: Any]])?.isEmpty == true)
            let (_, mine) = try await w.call("GET", "/api/v2/silences?filter=team%3D%22web%22&creator=ops")
            #expect((try JSONSerialization.jsonObject(with: mine) as? [[String: Any]])?.count == 2)

            #expect(try await w.call("DELETE", "/api/v2/silence/\(newID)", token: nil).0 == 401)
            #expect(try await w.call("DELETE", "/api/v2/silence/\(newID)").0 == 200)
            #expect(try await w.call("DELETE", "/api/v2/silence/\(newID)").0 == 500, "already expired, as Alertmanager answers")
            #expect(try await w.call("DELETE", "/api/v2/silence/nope").0 == 404)
            #expect(try await w.call("GET", "/api/v2/silence/nope").0 == 404)
            let (_, one) = try await w.call("GET", "/api/v2/silence/\(newID)")
            let shown = try #require(try JSONSerialization.jsonObject(with: one) as? [String: Any])
            #expect((shown["status"] as? [String: Any])?["state"] as? String == "expired")
            #expect(shown["createdBy"] as? String == "ops" && (shown["matchers"] as? [[String: Any]])?.first?["isEqual"] as? Bool == true)
        }
    }

    @Test func anUntilResolvedSilenceShowsItsExtraField() async throws {
        try await World().run { w in
            let (status, body) = try await w.json("POST", "/api/v2/silences", [
                "matchers": [["name": "alertname", "value": "A", "isRegex": false]], "endsOnResolve": true, "createdBy": "ops",
                "comment": "until fixed",
            ])
            #expect(status == 200)
            let id = try #require((body as? [String: Any])?["silenceID"] as? String)
            let (_, one) = try await w.call("GET", "/api/v2/silence/\(id)")
            let shown = try #require(try JSONSerialization.jsonObject(with: one) as? [String: Any])
            #expect(shown["endsOnResolve"] as? Bool == true && shown["endsAt"] as? String == "9999-12-31T23:59:59.000Z")
        }
    }

    @Test func readsNeedTheTokenWhenConfigured() async throws {
        try await World(configWith { $0.reads = .token }).run { w in
            for path in ["/api/v2/alerts", "/api/v2/alerts/groups", "/api/v2/silences", "/api/v2/status", "/api/v2/receivers"] {
                let without = try await w.call("GET", path, token: nil).0
                let with = try await w.call("GET", path).0
                #expect(without == 401 && with == 200, "\(path)")
            }
            #expect(try await w.call("GET", "/-/healthy", token: nil).0 == 200)
        }
        try await World().run { w in
            #expect(try await w.call("GET", "/api/v2/alerts", token: nil).0 == 200, "reads are open by default")
            let (_, receivers) = try await w.call("GET", "/api/v2/receivers", token: nil)
            #expect(try JSONSerialization.jsonObject(with: receivers) as? [[String: String]] == [["name": "r"], ["name": "web"]])
            let (_, status) = try await w.call("GET", "/api/v2/status", token: nil)
            let s = try #require(try JSONSerialization.jsonObject(with: status) as? [String: Any])
            #expect((s["cluster"] as? [String: Any])?["status"] as? String == "settling", "no consumer runs here")
            #expect(((s["config"] as? [String: Any])?["original"] as? String)?.contains("team=\"web\"") == true)
        }
    }

    func configWith(_ change: (inout AlertmanagerAPIConfig) -> Void) -> AlertmanagerAPIConfig {
        var c = AlertmanagerAPIConfig()
        change(&c)
        return c
    }
}
