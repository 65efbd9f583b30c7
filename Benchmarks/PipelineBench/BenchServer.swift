import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// A loopback HTTP server for the benchmarks' receivers: every POST's path, body and arrival
/// time go to `handle`, and it answers 200. Port 0; `start` returns the port.
final class BenchServer: Sendable {
    private let group = Mutex<ServiceGroup?>(nil)
    private let task = Mutex<Task<Void, any Error>?>(nil)

    init() {}

    func start(handle: @escaping @Sendable (_ path: String, _ body: Data, _ at: ContinuousClock.Instant) throws -> Void) async throws -> Int {
        let router = Router()
        router.post("/**") { [handle] request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 26)
            try handle(request.uri.path, Data(buffer: body), .now)
            return Response(status: .ok)
        }
        var logger = Logger(label: "bench.server")
        logger.logLevel = .error
        let (ready, cont) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in cont.yield(channel.localAddress?.port ?? 0); cont.finish() }, logger: logger)
        let g = ServiceGroup(configuration: .init(services: [app], logger: logger))
        group.withLock { $0 = g }
        task.withLock { $0 = Task { try await g.run() } }
        for await p in ready { return p }
        throw BenchFailure("bench server did not start")
    }

    func stop() async {
        await group.withLock { $0 }?.triggerGracefulShutdown()
        _ = try? await task.withLock { $0 }?.value
    }
}
