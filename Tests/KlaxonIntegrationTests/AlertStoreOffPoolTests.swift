import Foundation
import GRDB
import KlaxonCore
import KlaxonStore
import KlaxonTesting
import Synchronization
import Testing

/// The ingest loop's write waits off Swift's cooperative pool (two threads here), so the HTTP
/// API keeps answering while writes are stuck behind SQLite's lock.
@Suite struct AlertStoreOffPoolTests {
    @Test func writesBlockedOnTheDatabaseLockLeaveThePoolToHTTP() async throws {
        let database = try StateDatabase.temporary("offpool")
        let store = try AlertStore(database: database)
        // Another connection holds the write lock: every write waits (up to the 5 s busy timeout).
        var held = Configuration()
        held.allowsUnsafeTransactions = true  // the transaction stays open across awaits on purpose
        let blocker = try DatabaseQueue(path: database.path, configuration: held)
        try blocker.inDatabase { try $0.execute(sql: "BEGIN IMMEDIATE") }

        let writers = ProcessInfo.processInfo.activeProcessorCount * 2 + 1
        let finished = Tally()
        var finishedBeforeHTTP = -1
        try await withServer { server in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<writers {
                    group.addTask {
                        let alert = Alert(labels: ["alertname": "A\(i)", "source": "falco"], severity: Severity(level: .high), fingerprint: Fingerprint(value: UInt64(i + 1)))
                        // A write gives up after SQLite's 5 s busy timeout; under the whole
                        // suite's load the round trip below can take longer, so a write tries
                        // again (off the pool as before) until the lock is gone, for 60 s at most.
                        let end = ContinuousClock.now + .seconds(60)
                        while true {
                            do {
                                _ = try await store.applyOffPool(
                                    BatchWrite(reports: [AlertReport(alert: alert, owner: "t/0", receivedAt: Date())]),
                                    decide: { _, t, _, _ in .notify(transition: t, threshold: nil) })
                                break
                            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && ContinuousClock.now < end {
                                continue
                            } catch {
                                break
                            }
                        }
                        finished.add()
                    }
                }
                // With the writes holding pool threads, this round trip could not finish until
                // they gave up; off the pool it finishes while all of them still wait.
                let (status, _) = try await HTTP.call("GET", server.base + "/ping")
                #expect(status == 200)
                finishedBeforeHTTP = finished.count
                try blocker.inDatabase { try $0.execute(sql: "ROLLBACK") }
                try await group.waitForAll()
            }
        }
        #expect(finishedBeforeHTTP == 0, "writes returned before the HTTP round trip did")
        #expect(finished.count == writers)
        #expect(store.count == writers, "every write went through once the lock was released")
        try blocker.close()
    }
}

private final class Tally: Sendable {
    private let value = Mutex(0)
    var count: Int { value.withLock { $0 } }
    func add() { value.withLock { $0 += 1 } }
}
