import Foundation
import HTTPTypes
import Hummingbird
import KlaxonService
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A local HTTP receiver whose answer to each POST a test scripts: a status, headers and an
/// optional delay (a "hang" is a long delay). Records every request it answered, with the
/// status it gave. Listens on 127.0.0.1, port 0; `stop()` must be awaited (or use
/// `withStarted`).
public final class ScriptedReceiver: TestServer {
    public struct Answer: Sendable {
        public var status: Int = 200
        public var headers: [String: String] = [:]
        public var delay: Duration = .zero

        public init(status: Int = 200, headers: [String: String] = [:], delay: Duration = .zero) {
            self.status = status
            self.headers = headers
            self.delay = delay
        }

        public static let ok = Answer()
        public static func status(_ s: Int, headers: [String: String] = [:]) -> Answer { Answer(status: s, headers: headers) }
        /// Answers 200 after `d` (default 600 s: never, for a test).
        public static func hang(_ d: Duration = .seconds(600)) -> Answer { Answer(delay: d) }
    }

    public struct Received: Sendable {
        public var body: Data
        /// Header names in lower case.
        public var headers: [String: String]
        /// The status the receiver answered with.
        public var status: Int
        public var at: Date

        public var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        public var idempotencyKey: String { headers["idempotency-key"] ?? "" }
    }

    /// Gets the 0-based number of the request and its body; returns the answer.
    public typealias Script = @Sendable (_ n: Int, _ body: Data) -> Answer

    private let script: Mutex<Script>
    private let log = Mutex<[Received]>([])
    private let count = Mutex(0)
    private let portBox = Mutex(0)
    private let server = LoopbackServer()

    public init(_ script: @escaping Script = { _, _ in .ok }) {
        self.script = Mutex(script)
    }

    /// A URL where nothing listens: port 1 is privileged and unused on a test machine, so a
    /// connection to it is refused at once (the `.refuse` mode of a receiver).
    public static let refusedURL = "http://127.0.0.1:1/alerts"

    /// The receiver's URL once started (path `/alerts`; any POST path is answered).
    public var url: String { "http://127.0.0.1:\(portBox.withLock { $0 })/alerts" }
    public var received: [Received] { log.withLock { $0 } }
    /// Requests answered with 2xx.
    public var accepted: [Received] { received.filter { (200..<300).contains($0.status) } }
    public var requestCount: Int { count.withLock { $0 } }

    public func setScript(_ s: @escaping Script) { script.withLock { $0 = s } }

    public func start() async throws {
        let router = Router()
        router.post("/**") { [self] request, _ -> Response in
            let body = Data(buffer: try await request.body.collect(upTo: 16 << 20))
            let n = count.withLock { c -> Int in
                defer { c += 1 }
                return c
            }
            let answer = script.withLock { $0 }(n, body)
            if answer.delay > .zero { try await Task.sleep(for: answer.delay) }
            var headers: [String: String] = [:]
            for f in request.headers { headers[f.name.canonicalName] = f.value }
            log.withLock { $0.append(Received(body: body, headers: headers, status: answer.status, at: Date())) }
            var out = HTTPFields()
            for (k, v) in answer.headers { if let name = HTTPField.Name(k) { out[name] = v } }
            return Response(status: .init(code: answer.status), headers: out)
        }
        let bound = try await server.start(router, label: "test.scripted-receiver")
        portBox.withLock { $0 = bound }
    }

    /// Stops the server; requests still sleeping in a scripted hang are cancelled.
    public func stop() async { await server.stop(cancellingRequests: true) }
}
