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
/// status it gave. Listens on 127.0.0.1, port 0; `stop()` must be awaited.
final class ScriptedReceiver: Sendable {
    struct Answer: Sendable {
        var status: Int = 200
        var headers: [String: String] = [:]
        var delay: Duration = .zero

        static let ok = Answer()
        static func status(_ s: Int, headers: [String: String] = [:]) -> Answer { Answer(status: s, headers: headers) }
        static func hang(_ d: Duration = .seconds(600)) -> Answer { Answer(delay: d) }
    }

    struct Received: Sendable {
        var body: Data
        var headers: [String: String]
        var status: Int
        var at: Date

        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        var idempotencyKey: String { headers["idempotency-key"] ?? "" }
    }

    /// Gets the 0-based number of the request and its body; returns the answer.
    typealias Script = @Sendable (_ n: Int, _ body: Data) -> Answer

    private let script: Mutex<Script>
    private let log = Mutex<[Received]>([])
    private let count = Mutex(0)
    private let portBox = Mutex(0)
    private let server = LoopbackServer()

    init(_ script: @escaping Script = { _, _ in .ok }) {
        self.script = Mutex(script)
    }

    var url: String { "http://127.0.0.1:\(portBox.withLock { $0 })/alerts" }
    var received: [Received] { log.withLock { $0 } }
    /// Requests answered with 2xx.
    var accepted: [Received] { received.filter { (200..<300).contains($0.status) } }
    var requestCount: Int { count.withLock { $0 } }

    func setScript(_ s: @escaping Script) { script.withLock { $0 = s } }

    func start() async throws {
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
    func stop() async { await server.stop(cancellingRequests: true) }
}

/// A settable clock for the dispatcher's stages (virtual time).
final class VirtualClock: Sendable {
    private let value: Mutex<Date>
    init(_ start: Date) { value = Mutex(start) }
    var now: Date { value.withLock { $0 } }
    func set(_ d: Date) { value.withLock { $0 = d } }
}
