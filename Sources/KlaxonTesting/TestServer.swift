/// A server a test starts and must stop (awaited) before it ends.
public protocol TestServer: Sendable {
    func start() async throws
    /// Stops the server and returns once it no longer listens or answers.
    func stop() async
}

/// Starts `servers`, runs `body`, then stops every server that started (awaited), whether
/// `body` (or a later start) threw or not.
public func withStarted<T>(_ servers: [any TestServer], _ body: () async throws -> T) async throws -> T {
    var started: [any TestServer] = []
    let outcome = await capture {
        for s in servers {
            try await s.start()
            started.append(s)
        }
        return try await body()
    }
    for s in started.reversed() { await s.stop() }
    return try outcome.get()
}
