import Foundation
import KlaxonCore
import Synchronization

/// Alert instances found to have no escalation policy under the current set of policies, so
/// the escalation pass does not read their content again every time. Forgotten when the
/// policies change (a reload may add one that matches).
final class UnescalatedInstances: Sendable {
    private struct State {
        var policies: [String] = []
        var instances: [Fingerprint: Date] = [:]
    }

    private let state = Mutex(State())

    func contains(_ fp: Fingerprint, instance: Date, policies: [String]) -> Bool {
        state.withLock { s in s.policies == policies && s.instances[fp] == instance }
    }

    func insert(_ fp: Fingerprint, instance: Date, policies: [String]) {
        state.withLock { s in
            if s.policies != policies { s = State(policies: policies) }
            s.instances[fp] = instance
        }
    }
}
