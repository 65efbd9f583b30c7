import KlaxonTesting
import Testing

/// Opens a `Teardown` scope around each test of the suite: servers its fixtures started
/// (a `ServiceFixture`'s webhook recorder) are stopped and awaited when the test ends, passed
/// or failed.
struct StopsServers: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        guard !test.isSuite else { return try await function() }
        try await Teardown.scope(function)
    }
}

extension Trait where Self == StopsServers {
    /// Stops (awaited) the servers each test's fixtures registered with `Teardown`.
    static var stopsServers: Self { Self() }
}
