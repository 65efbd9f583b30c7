import Foundation
import HTTPTypes
import Hummingbird
import KlaxonService
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A local HTTP server for channel tests: records every request and answers with what the
/// test's handler returns (status, headers, body), so one server can play a webhook
/// receiver, PagerDuty's Events API or Slack's Web API. Listens on 127.0.0.1, port 0.
public final class ChannelTestServer: TestServer {
    public struct Request: Sendable {
        public var method: String
        public var path: String
        /// Header names in lower case.
        public var headers: [String: String]
        public var body: Data
        public var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    }

    public struct Answer: Sendable {
        public var status: Int = 200
        public var headers: [String: String] = [:]
        public var body: Data = Data()

        public init(status: Int = 200, headers: [String: String] = [:], body: Data = Data()) {
            self.status = status
            self.headers = headers
            self.body = body
        }

        public static func json(_ object: [String: Any], status: Int = 200) -> Answer {
            Answer(status: status, headers: ["Content-Type": "application/json"],
                   body: (try? JSONSerialization.data(withJSONObject: object)) ?? Data())
        }
    }

    public typealias Handler = @Sendable (Request) -> Answer

    private let requests = Mutex<[Request]>([])
    private let handler: Handler
    private let tls: TLSConfiguration?
    private let portBox = Mutex<Int>(0)
    private let server = LoopbackServer()

    /// - Parameter tls: serve HTTPS with this configuration (plain HTTP when nil).
    public init(_ handler: @escaping Handler = { _ in Answer() }, tls: TLSConfiguration? = nil) {
        self.handler = handler
        self.tls = tls
    }

    public var received: [Request] { requests.withLock { $0 } }
    public var port: Int { portBox.withLock { $0 } }
    public var base: String { "\(tls == nil ? "http" : "https")://127.0.0.1:\(port)" }

    public func start() async throws {
        let router = Router()
        router.on("/**", method: .post, use: respond)
        router.on("/**", method: .get, use: respond)
        let bound = try await server.start(
            router, server: try tls.map { try HTTPServerBuilder.tls(.http1(), tlsConfiguration: $0) } ?? .http1(),
            label: "klaxon.channel-test-server")
        portBox.withLock { $0 = bound }
    }

    @Sendable private func respond(_ request: Hummingbird.Request, _ context: BasicRequestContext) async throws -> Response {
        let body = try await request.body.collect(upTo: 16 << 20)
        var headers: [String: String] = [:]
        for f in request.headers { headers[f.name.canonicalName] = f.value }
        let recorded = Request(method: request.method.rawValue, path: request.uri.path, headers: headers, body: Data(buffer: body))
        requests.withLock { $0.append(recorded) }
        let answer = handler(recorded)
        var fields = HTTPFields()
        for (k, v) in answer.headers { if let name = HTTPField.Name(k) { fields[name] = v } }
        return Response(status: .init(code: answer.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }

    public func stop() async { await server.stop() }
}

/// Runs `body` with a started server and always stops it (awaited) afterwards.
public func withServer<T>(
    _ handler: @escaping ChannelTestServer.Handler = { _ in .init() }, tls: TLSConfiguration? = nil,
    _ body: (ChannelTestServer) async throws -> T
) async throws -> T {
    let server = ChannelTestServer(handler, tls: tls)
    try await server.start()
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}
