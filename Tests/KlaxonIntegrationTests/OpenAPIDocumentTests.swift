import Foundation
import Hummingbird
import KlaxonCore
import KlaxonStore
import KlaxonTesting
import Logging
import ServiceLifecycle
import Testing
import Yams

@testable import KlaxonService

/// `docs/openapi.yaml` against the server: the routes the router registers and the operations
/// the document describes are the same set (both directions), the document is OpenAPI 3 and
/// passes `openapi-spec-validator`, the server serves it, and exactly the operations it marks
/// with the bearer scheme refuse a call without the token.
@Suite struct OpenAPIDocumentTests {
    static let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]

    static var documentURL: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/openapi.yaml")
    }

    func document() throws -> [String: Any] {
        let text = try String(contentsOf: Self.documentURL, encoding: .utf8)
        return try #require(try Yams.load(yaml: text) as? [String: Any], "the document is a YAML mapping")
    }

    /// `METHOD /path/{param}` for every operation in the document, with whether it needs the token.
    func operations(_ doc: [String: Any]) throws -> [String: Bool] {
        let paths = try #require(doc["paths"] as? [String: Any])
        var out: [String: Bool] = [:]
        for (path, item) in paths {
            let item = try #require(item as? [String: Any], "\(path) is a path item")
            for (key, op) in item where Self.methods.contains(key) {
                let security = (op as? [String: Any])?["security"] as? [[String: Any]] ?? []
                out["\(key.uppercased()) \(path)"] = security.contains { $0["bearerAuth"] != nil }
            }
        }
        return out
    }

    /// A router built as the service builds it, over a fresh state database; token `tok`.
    func router() async throws -> Router<BasicRequestContext> {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("klaxon-openapi-\(UUID().uuidString.prefix(8))")
        let database = try StateDatabase(path: dir.appendingPathComponent("state.db").path)
        let store = try AlertStore(database: database)
        let silences = SilenceStore(database: database)
        let falsePositives = FalsePositiveStore(database: database)
        let noise = try NoiseGate(config: NoiseConfig(), falsePositives: falsePositives)
        let routing = try RoutingConfig.load(yaml: "route: {receiver: r}\nreceivers:\n  - name: r\n", file: "r.yml")
        let grouping = GroupingEngine(
            routing: routing, integrations: [:], store: store, silences: silences, noise: noise, logger: Logger(label: "test"))
        let service = try ServiceConfig.load(yaml: "kafka: {embedded: true, topics: [{name: t}]}\n", file: "k.yml")
        let api = ApiDependencies(
            store: store, silences: silences,
            control: LocalControlLog(silences: silences, falsePositives: falsePositives), audit: AuditLog(database: database), grouping: grouping,
                config: ActiveConfig(config: LoadedConfig(service: service, routing: routing, routeFiles: []), integrations: [:]), noise: noise,
            falsePositives: falsePositives, outbox: Outbox(database: database),
            history: AlertHistory(database: database), token: try ApiToken(config: service, environment: ["KLAXON_API_TOKEN": "tok"]),
            reload: { _ in ReloadOutcome(ok: true, message: "unchanged") })
        return OpsServer.router(ready: ReadyFlag(), outbox: Outbox(database: database), api: api)
    }

    /// Alertmanager's API v2 (`api/v2/openapi.yaml` of prometheus/alertmanager 0.25, paths
    /// under its base path `/api/v2`) and its `/-/healthy` and `/-/ready`: these routes follow
    /// Alertmanager's document, not Klaxon's.
    static let alertmanagerOperations: Set<String> = [
        "GET /api/v2/status", "GET /api/v2/receivers", "GET /api/v2/silences", "POST /api/v2/silences",
        "GET /api/v2/silence/{silenceID}", "DELETE /api/v2/silence/{silenceID}", "GET /api/v2/alerts", "POST /api/v2/alerts",
        "GET /api/v2/alerts/groups", "GET /-/healthy", "GET /-/ready",
    ]

    static func isAlertmanagerRoute(_ path: String) -> Bool {
        path.hasPrefix("/api/v2/") || path == "/-/healthy" || path == "/-/ready"
    }

    @Test func theDocumentDescribesExactlyTheRegisteredRoutes() async throws {
        // The console's HTML pages are not API operations: left out, by ConsoleRoutes' own rule.
        let all = try await router().routes.filter { !ConsoleRoutes.serves("\($0.path)") }.map { "\($0.method.rawValue) \($0.path)" }
        let registered = Set(all.filter { !Self.isAlertmanagerRoute(String($0.split(separator: " ")[1])) })
        let documented = Set(try operations(try document()).keys)
        let alertmanager = Set(all.filter { Self.isAlertmanagerRoute(String($0.split(separator: " ")[1])) })
        #expect(alertmanager == Self.alertmanagerOperations, "the Alertmanager API v2 routes")
        #expect(registered.count > 20, "the router lists its routes: \(registered.sorted())")
        #expect(registered.subtracting(documented).sorted() == [], "routes the document does not describe")
        #expect(documented.subtracting(registered).sorted() == [], "operations the server does not have")
    }

    @Test func theDocumentIsOpenAPI3WithResponsesForEveryOperation() throws {
        let doc = try document()
        #expect((doc["openapi"] as? String)?.hasPrefix("3.") == true)
        #expect((doc["info"] as? [String: Any])?["title"] != nil)
        let schemes = ((doc["components"] as? [String: Any])?["securitySchemes"] as? [String: Any])?["bearerAuth"] as? [String: Any]
        #expect(schemes?["type"] as? String == "http" && schemes?["scheme"] as? String == "bearer")
        for (path, item) in try #require(doc["paths"] as? [String: Any]) {
            for (method, op) in (item as? [String: Any] ?? [:]) where Self.methods.contains(method) {
                let responses = (op as? [String: Any])?["responses"] as? [String: Any] ?? [:]
                #expect(responses.keys.contains { $0.hasPrefix("2") }, "\(method) \(path) documents a success response")
            }
        }
        // Served bytes are the file's bytes.
        let file = Array(try Data(contentsOf: Self.documentURL))
        #expect(OpenAPIDocument.bytes == file)
    }

    @Test func theDocumentPassesOpenAPISpecValidator() async throws {
        let tool = try Tools.require("openapi-spec-validator", package: "pip: openapi-spec-validator")
        let (status, out, err) = try await ChildProcess.run(tool, [Self.documentURL.path], in: Tools.packageRoot)
        #expect(status == 0, "\(out)\(err)")
        #expect(out.contains("OK"), "\(out)")
    }

    /// Over a real socket: the document is served, and every operation the document marks with
    /// the bearer scheme (and only those) answers 401 without a token.
    @Test func theServerServesTheDocumentAndTheMarkedOperationsNeedTheToken() async throws {
        let ops = try operations(try document())
        let router = try await router()
        let server = LoopbackServer()
        let port = try await server.start(router, label: "test.openapi")
        do {
            let base = "http://127.0.0.1:\(port)"
            let (status, body) = try await HTTP.call("GET", base + "/api/v1/openapi.yaml")
            let file = try Data(contentsOf: Self.documentURL)
            #expect(status == 200 && body == file)
            for (op, secured) in ops.sorted(by: { $0.key < $1.key }) {
                let parts = op.split(separator: " ", maxSplits: 1).map(String.init)
                let path = parts[1].replacingOccurrences(of: "{fingerprint}", with: "0123456789abcdef").replacingOccurrences(of: "{id}", with: "1")
                let (status, _) = try await HTTP.call(parts[0], base + path)
                if secured { #expect(status == 401, "\(op) without a token") } else { #expect(status != 401 && status != 403, "\(op) is open") }
            }
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }
}
