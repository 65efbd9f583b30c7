import Foundation
import Hummingbird
import KlaxonCore
import KlaxonStore
import NIOCore

/// Alertmanager's HTTP API v2 (its `api/v2/openapi.yaml`, 0.25) over Klaxon's state, so
/// Prometheus pushes to Klaxon and amtool and Grafana manage it unchanged: alerts (push, list,
/// groups), silences, status, receivers, `/-/healthy` and `/-/ready`. Pushed alerts are
/// produced to the ingest topic and take the Kafka path; silences are Klaxon silences. Writes
/// need the bearer token; reads are open unless `alertmanager_api.reads: token`. Errors are
/// JSON strings, as Alertmanager sends them.
enum AlertmanagerV2Routes {
    static func add(to router: Router<BasicRequestContext>, _ deps: ApiDependencies, ready: ReadyFlag) {
        let config = deps.alertmanager?.config ?? AlertmanagerAPIConfig()
        router.get("/-/healthy") { _, _ in "OK" }
        router.get("/-/ready") { _, _ -> Response in
            Response(
                status: ready.isReady ? .ok : .serviceUnavailable,
                body: ResponseBody(byteBuffer: ByteBuffer(string: ready.isReady ? "OK" : "not ready: the consumer is not running")))
        }
        router.post("/api/v2/alerts") { request, _ -> Response in
            try await handle {
                try ApiRoutes.authorize(request, deps.token)
                guard let am = deps.alertmanager else { throw ApiFailure(.unavailable, "the Alertmanager API has no producer") }
                let body: ByteBuffer
                do { body = try await request.body.collect(upTo: config.maxRequestBytes) } catch {
                    throw ApiFailure(.tooLarge, "request body larger than alertmanager_api.max_request_bytes (\(config.maxRequestBytes) bytes)")
                }
                let parsed: PostableAlerts
                let resolveTimeout = deps.config.current.routing.resolveTimeout
                do { parsed = try PostableAlerts.parse(Data(buffer: body), now: Date(), resolveTimeout: resolveTimeout) } catch {
                    throw ApiFailure(.badRequest, (error as? PostableAlerts.Malformed)?.message ?? "\(error)")
                }
                // Valid alerts are kept even when others are refused (Alertmanager does the same).
                do { try await am.push.send(parsed.messages) } catch {
                    throw ApiFailure(.unavailable, "the ingest topic did not acknowledge the alerts: \(error)")
                }
                if !parsed.errors.isEmpty { throw ApiFailure(.badRequest, parsed.errors.joined(separator: "; ")) }
                return Response(status: .ok)
            }
        }
        router.get("/api/v2/alerts") { request, _ -> Response in
            try await handle {
                try authorizeRead(request, deps, config)
                let query = try AlertQuery(request, unprocessed: true)
                let routing = deps.config.current.routing
                let alerts = try await views(deps, routing: routing, now: Date()).filter { query.admits($0) }
                return try json(.ok, alerts.map(\.alert))
            }
        }
        router.get("/api/v2/alerts/groups") { request, _ -> Response in
            try await handle {
                try authorizeRead(request, deps, config)
                let query = try AlertQuery(request, unprocessed: false)
                let routing = deps.config.current.routing
                var groups: [GroupKey: AlertmanagerV2JSON.AlertGroup] = [:]
                for view in try await views(deps, routing: routing, now: Date()) where query.admits(view, receiverFilter: false) {
                    for route in view.routes where query.admits(receiver: route.receiver) {
                        let key = GroupKey(route: route, labels: view.alert.labels)
                        let old = groups[key]
                        groups[key] = AlertmanagerV2JSON.AlertGroup(
                            labels: route.groupBy.groupLabels(of: view.alert.labels), receiver: .init(name: route.receiver),
                            alerts: (old?.alerts ?? []) + [view.alert])
                    }
                }
                return try json(.ok, groups.sorted { $0.key < $1.key }.map(\.value))
            }
        }
        router.get("/api/v2/receivers") { request, _ -> Response in
            try await handle {
                try authorizeRead(request, deps, config)
                return try json(.ok, deps.config.current.routing.receivers.map { AlertmanagerV2JSON.Receiver(name: $0.name) })
            }
        }
        router.get("/api/v2/status") { request, _ -> Response in
            try await handle {
                try authorizeRead(request, deps, config)
                let routing = deps.config.current.routing
                let am = deps.alertmanager
                let group = am?.groupID ?? "klaxon"
                let status = AlertmanagerV2JSON.Status(
                    cluster: .init(
                        name: "kafka consumer group \(group)", status: ready.isReady ? "ready" : "settling",
                        peers: [.init(name: group, address: am?.bootstrap ?? "")]),
                    versionInfo: .init(
                        version: LifecycleTelemetry.version, revision: "klaxon", branch: "", buildUser: "", buildDate: "",
                        goVersion: "swift"),
                    config: .init(original: AlertmanagerV2ConfigView.yaml(routing)), uptime: am?.startedAt ?? Date())
                return try json(.ok, status)
            }
        }
        addSilences(to: router, deps, config)
    }

    /// An alert as the v2 API shows it, with the routes that take it (for groups).
    struct View {
        let alert: AlertmanagerV2JSON.Alert
        let routes: [Route]
    }

    /// Every unresolved alert (Alertmanager lists no resolved ones), with receivers and status.
    static func views(_ deps: ApiDependencies, routing: RoutingConfig, now: Date) async throws -> [View] {
        let states = try deps.heldStates().filter { $0.status != .resolved }
        let muting = await deps.grouping.alertmanagerStatus(states.map(\.alert), now: now)
        return states.map { s in
            let routes = routing.tree.match(s.alert).filter { routing.receiver(named: $0.receiver)?.accepts(s.alert.severity.level) ?? false }
            var receivers: [String] = []
            for r in routes where !receivers.contains(r.receiver) { receivers.append(r.receiver) }
            let m = muting[s.alert.fingerprint]
            return View(
                alert: AlertmanagerV2JSON.Alert(s, receivers: receivers, silencedBy: m?.silencedBy ?? [], inhibitedBy: m?.inhibitedBy ?? []),
                routes: routes)
        }
    }

    static func authorizeRead(_ request: Request, _ deps: ApiDependencies, _ config: AlertmanagerAPIConfig) throws(ApiFailure) {
        if config.reads == .token { try ApiRoutes.authorize(request, deps.token) }
    }

    static func json(_ status: HTTPResponse.Status, _ value: some Encodable) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(
            status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: try AlertmanagerV2JSON.encoder.encode(value))))
    }

    /// Runs `body`; an `ApiFailure` becomes its status with the message as a JSON string.
    static func handle(_ body: () async throws -> Response) async throws -> Response {
        do { return try await body() } catch let failure as ApiFailure {
            var response = try json(HTTPResponse.Status(code: failure.kind.rawValue), failure.message)
            if failure.kind == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
            return response
        }
    }
}
