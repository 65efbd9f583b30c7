import Foundation
import Hummingbird
import KlaxonStore
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// `/metrics` (Prometheus text), `/healthz` (the process serves), `/readyz` (the consumer loop
/// runs, a broker answers, a partition is assigned, the state database answers; 503 with the
/// reasons otherwise), and the API (`ApiRoutes`).
enum OpsServer {
    /// - Parameters:
    ///   - idleTimeout: a connection that sends nothing for this long, a half-sent request
    ///     included, is closed (`http.idle_timeout`, default 30 s).
    ///   - refresh: reads scrape-time values (gauges) before `/metrics` answers.
    ///   - bound: set to the address the server listens on once it does (port 0 takes any).
    static func make(
        listen: String, idleTimeout: Duration = .seconds(30), ready: ReadyFlag, outbox: Outbox, api: ApiDependencies,
        refresh: @escaping @Sendable () async -> Void = {}, bound: HTTPAddress? = nil, logger: Logger
    ) throws -> some Service {
        let (host, port) = try parse(listen)
        let router = router(ready: ready, outbox: outbox, api: api, refresh: refresh)
        let idle = TimeAmount.nanoseconds(Int64(idleTimeout.components.seconds) * 1_000_000_000 + idleTimeout.components.attoseconds / 1_000_000_000)
        let listening = ListeningFlag()
        let app = Application(
            router: router, server: .http1(configuration: .init(idleTimeout: idle)),
            configuration: .init(address: .hostname(host, port: port), serverName: "klaxon"),
            onServerRunning: { channel in
                listening.set()
                bound?.set(host: host, port: channel.localAddress?.port ?? port)
            }, logger: logger)
        return NamedListener(app: app, listen: listen, listening: listening)
    }

    /// The HTTP server, whose failure to bind names the address (NIO's error does not).
    struct NamedListener<App: Service>: Service {
        let app: App
        let listen: String
        let listening: ListeningFlag

        func run() async throws {
            do {
                try await app.run()
            } catch where !listening.isSet {
                throw ConfigFailure("cannot listen on \(listen) (http.listen): \(error)")
            }
        }
    }

    /// Every route the server answers; `docs/openapi.yaml` describes exactly these apart from
    /// the console's HTML pages and Alertmanager's API v2 (`/api/v2/*`, `/-/healthy`, `/-/ready`,
    /// which follow Alertmanager's document); a test compares `router.routes` with both.
    static func router(
        ready: ReadyFlag, outbox: Outbox, api: ApiDependencies, refresh: @escaping @Sendable () async -> Void = {}
    ) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/readyz") { _, _ -> Response in
            var problems = await ready.problems()
            if (try? outbox.counts()) == nil { problems.append("the state database does not answer") }
            let text = problems.isEmpty ? "ready\n" : "not ready: " + problems.joined(separator: "; ") + "\n"
            return Response(
                status: problems.isEmpty ? .ok : .serviceUnavailable, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("/metrics") { _, _ -> Response in
            await refresh()
            let bytes = Telemetry.registry.emitToBuffer()
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        ApiRoutes.add(to: router, api)
        ConsoleRoutes.add(to: router, api)
        AlertmanagerV2Routes.add(to: router, api, ready: ready)
        router.get("/api/v1/openapi.yaml") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "application/yaml"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.bytes)))
        }
        return router
    }

    /// Set once the server has bound its address.
    final class ListeningFlag: Sendable {
        private let value = Mutex(false)
        var isSet: Bool { value.withLock { $0 } }
        func set() { value.withLock { $0 = true } }
    }

    static func parse(_ listen: String) throws -> (String, Int) {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else {
            throw ConfigFailure("http.listen must be host:port, got \"\(listen)\"")
        }
        let host = String(listen[..<colon])
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }
}

/// Whether the service can do its work: set once the consumer loop runs, plus the checks the
/// app adds (`setProbe`: broker reachable, partitions assigned).
public final class ReadyFlag: Sendable {
    private let value = Mutex(false)
    private let probe = Mutex<(@Sendable () async -> [String])?>(nil)
    public init() {}
    public var isReady: Bool { value.withLock { $0 } }
    func set(_ v: Bool) { value.withLock { $0 = v } }

    /// Adds checks run on every `/readyz`; each returns the reasons it is not ready (none: ready).
    func setProbe(_ check: @escaping @Sendable () async -> [String]) { probe.withLock { $0 = check } }

    /// Drops the checks: they hold the Kafka clients, and a stage that holds this flag would
    /// keep them (and their librdkafka threads) alive past the app, and past an embedded broker.
    func clearProbe() { probe.withLock { $0 = nil } }

    /// Why the service is not ready, in words for `/readyz`; empty when it is.
    public func problems() async -> [String] {
        guard isReady else { return ["the consumer loop is not running"] }
        guard let check = probe.withLock({ $0 }) else { return [] }
        return await check()
    }
}

/// The address the HTTP server listens on, once it does: `http://127.0.0.1:9095` (a wildcard
/// host reads as 127.0.0.1). The demo prints it, with port 0 resolved.
public final class HTTPAddress: Sendable {
    private let value = Mutex<String?>(nil)
    public init() {}
    public var url: String? { value.withLock { $0 } }
    func set(host: String, port: Int) {
        let shown = host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host
        value.withLock { $0 = "http://\(shown.contains(":") ? "[\(shown)]" : shown):\(port)" }
    }
}
