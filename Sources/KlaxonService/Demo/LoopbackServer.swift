import Hummingbird
import HummingbirdCore
import Logging
import ServiceLifecycle
import Synchronization

/// A Hummingbird server on 127.0.0.1 in a service group of its own: what the demo's webhook
/// recorder and the tests' receivers run their routers on. Port 0 takes any free port.
public final class LoopbackServer: Sendable {
    private let running = Mutex<(Task<Void, any Error>, ServiceGroup)?>(nil)

    public init() {}

    /// Serves `router` and returns the port once the server listens.
    /// - Parameters:
    ///   - server: HTTP/1 by default; a TLS builder for HTTPS.
    ///   - label: the logger's label (warnings and above are logged).
    public func start(
        _ router: Router<BasicRequestContext>, server: HTTPServerBuilder = .http1(), port: Int = 0, label: String
    ) async throws -> Int {
        let (ready, readyCont) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: label)
        logger.logLevel = .warning
        let app = Application(
            router: router, server: server, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { channel in
                readyCont.yield(channel.localAddress?.port ?? 0)
                readyCont.finish()
            }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task { try await group.run() }
        running.withLock { $0 = (task, group) }
        var bound = 0
        for await p in ready { bound = p }
        return bound
    }

    /// Shuts the server down gracefully and waits until it has stopped.
    /// - Parameter cancellingRequests: also cancel handlers still running (a test receiver
    ///   that hangs on purpose would otherwise hold the shutdown until it answers).
    public func stop(cancellingRequests: Bool = false) async {
        guard let (task, group) = running.withLock({ $0 }) else { return }
        await group.triggerGracefulShutdown()
        if cancellingRequests { task.cancel() }
        _ = await task.result
    }
}
