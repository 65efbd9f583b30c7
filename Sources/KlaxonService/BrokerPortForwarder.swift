import NIOCore
import NIOPosix

/// A fixed loopback address for the embedded broker (`klaxon broker --port`). librdkafka's
/// test broker always binds a random port, so this listens on the asked one and relays each
/// connection's bytes to the broker, both ways. Clients bootstrap here; the broker's metadata
/// then names its own address, which they use for later connections. Dev use only, like the
/// broker itself.
public final class BrokerPortForwarder: Sendable {
    private let channel: any Channel
    /// `host:port` it listens on.
    public let address: String

    private init(channel: any Channel, address: String) {
        self.channel = channel
        self.address = address
    }

    /// Listens on `host:port` and relays to `target` (`host:port`).
    /// - Throws: `ConfigFailure` naming the address when it cannot listen there.
    public static func start(host: String = "127.0.0.1", port: Int, target: String) async throws -> BrokerPortForwarder {
        let (targetHost, targetPort) = try OpsServer.parse(target)
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { inbound in
                // The inbound side is registered (and starts reading) only once this succeeds,
                // so no byte arrives before the relay is in place.
                ClientBootstrap(group: inbound.eventLoop).connect(host: targetHost, port: targetPort).flatMapThrowing { outbound in
                    let (a, b) = Relay.pair()
                    try inbound.pipeline.syncOperations.addHandler(a)
                    try outbound.pipeline.syncOperations.addHandler(b)
                }
            }
        do {
            let channel = try await bootstrap.bind(host: host, port: port).get()
            return BrokerPortForwarder(channel: channel, address: "\(host):\(port)")
        } catch {
            throw ConfigFailure("cannot listen on \(host):\(port): \(error)")
        }
    }

    /// Stops listening; relayed connections close with their peers.
    public func stop() async {
        try? await channel.close()
    }
}

/// One side of a relayed connection: what it reads, its partner writes; when it closes, so
/// does its partner. Both sides live on one event loop (the outbound connection is made on the
/// inbound one's loop), so the partner is touched only from that loop.
private final class Relay: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var partner: Relay?
    private var context: ChannelHandlerContext?

    static func pair() -> (Relay, Relay) {
        let a = Relay(), b = Relay()
        a.partner = b
        b.partner = a
        return (a, b)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        partner = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        partner?.context?.write(data, promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        partner?.context?.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        partner?.context?.close(promise: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
