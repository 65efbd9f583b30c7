import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A local HTTP server that records every POST body: the demo's webhook receiver, and the
/// receiver integration tests point the webhook sink at. Listens on 127.0.0.1, port 0 by
/// default; `start` returns once the port is known.
public final class WebhookRecorder: Sendable {
    public struct Request: Sendable {
        public var path: String
        public var headers: [String: String]
        public var body: Data
    }

    /// How the recorder answers: normally 200, or a fixed status (to test retries).
    public enum Mode: Sendable { case ok, status(Int) }

    private let requests = Mutex<[Request]>([])
    private let mode = Mutex<Mode>(.ok)
    private let portBox = Mutex<Int?>(nil)
    private let server = LoopbackServer()

    public init() {}

    public var received: [Request] { requests.withLock { $0 } }
    public var port: Int? { portBox.withLock { $0 } }
    public var url: String { "http://127.0.0.1:\(port ?? 0)/alerts" }

    public func setMode(_ m: Mode) { mode.withLock { $0 = m } }

    public func start(port: Int = 0) async throws {
        let router = Router()
        router.post("/**") { [self] request, context -> Response in
            let body = try await request.body.collect(upTo: 16 << 20)
            var headers: [String: String] = [:]
            for f in request.headers { headers[f.name.canonicalName] = f.value }
            let status = mode.withLock { m -> Int in if case .status(let s) = m { return s } else { return 200 } }
            if status == 200 {
                requests.withLock { $0.append(Request(path: request.uri.path, headers: headers, body: Data(buffer: body))) }
            }
            return Response(status: .init(code: status))
        }
        let bound = try await server.start(router, port: port, label: "klaxon.webhook-recorder")
        portBox.withLock { $0 = bound }
    }

    public func stop() async { await server.stop() }
}
