import AsyncHTTPClient
import NIOCore
import Synchronization

/// One `HTTPClient` per distinct client-level setting (redirects, proxy, HTTP/2, server-name
/// override), shared by every sink that needs it and kept for the life of the process: clients
/// are few, and sinks rebuilt on a reload reuse them instead of leaking one per reload.
/// Each keeps up to `connectionsPerHost` HTTP/1 connections per host (AsyncHTTPClient's shared
/// client keeps 8), so parallel sends to one receiver (`delivery.concurrency`, several
/// integrations on one host) are not queued behind a small pool. The limit is the largest
/// `delivery.concurrency` (1024): connections open only as parallel sends need them, so the
/// pool never caps what the configuration allows (5,000 sends/s to a 20 ms receiver need
/// 100 in flight).
enum HTTPClients {
    static let connectionsPerHost = 1024

    struct Key: Hashable {
        var followRedirects = true
        var proxy: HTTPClient.Configuration.Proxy?
        var http1Only = false
        var dnsOverride: [String: String] = [:]
    }

    private static let clients = Mutex<[Key: HTTPClient]>([:])

    static func client(for key: Key) -> HTTPClient {
        clients.withLock { table in
            if let c = table[key] { return c }
            var config = HTTPClient.Configuration()
            config.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = connectionsPerHost
            config.redirectConfiguration = key.followRedirects ? .follow(max: 10, allowCycles: false) : .disallow
            config.proxy = key.proxy
            if key.http1Only { config.httpVersion = .http1Only }
            config.dnsOverride = key.dnsOverride
            let c = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
            table[key] = c
            return c
        }
    }
}
