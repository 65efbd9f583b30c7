extension KafkaProducer {
    /// Runs `body` with this producer, then closes it (awaited, see `close`) whether `body`
    /// threw or not: the `defer { close() }` that async code cannot write.
    /// - Parameter timeout: given to `close`; default 10 s.
    public func use<T>(
        closeTimeout timeout: Duration = .seconds(10), isolation: isolated (any Actor)? = #isolation,
        _ body: (KafkaProducer) async throws -> T
    ) async throws -> T {
        let outcome: Result<T, any Error>
        do { outcome = .success(try await body(self)) } catch { outcome = .failure(error) }
        await close(timeout: timeout)
        return try outcome.get()
    }
}
