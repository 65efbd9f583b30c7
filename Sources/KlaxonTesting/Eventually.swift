import Foundation

/// A wait that ran past its deadline.
public struct TimedOut: Error, CustomStringConvertible {
    public let what: String
    public init(what: String) { self.what = what }
    public var description: String { "timed out: \(what)" }
}

/// Polls `condition` every 100 ms until it holds or `timeout` passes (then throws `TimedOut`
/// naming `what`). Sleeps between polls, so it holds no thread while it waits.
public func eventually(
    _ what: String, timeout: Duration = .seconds(60), _ condition: () async throws -> Bool
) async throws {
    let end = ContinuousClock.now + timeout
    while ContinuousClock.now < end {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(100))
    }
    // One last look: on a loaded machine this task may have slept past the deadline while
    // the condition came true.
    if try await condition() { return }
    throw TimedOut(what: what)
}

/// The outcome of `body`, so a test can clean up (stop its servers) before it rethrows.
public func capture<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
    do { return .success(try await body()) } catch { return .failure(error) }
}

/// `eventually`, while `process` (a service under test) runs: it fails at once if the process
/// exits, and a timeout carries the end of the process's stderr, so a failure says why.
public func eventually(
    _ what: String, watching process: ChildProcess, timeout: Duration = .seconds(60), _ condition: () async throws -> Bool
) async throws {
    do {
        try await eventually(what, timeout: timeout) {
            if try await condition() { return true }
            guard process.isRunning else { throw TimedOut(what: "\(what): the process exited; its stderr ends:\n\(process.stderr.suffix(3000))") }
            return false
        }
    } catch let error as TimedOut where !error.what.contains("the process exited") {
        throw TimedOut(what: "\(what); the process's stderr ends:\n\(process.stderr.suffix(3000))")
    }
}
