import Foundation
import KlaxonCore
import Synchronization

/// The configuration in force, as one immutable snapshot that a reload replaces whole. Readers
/// (the API, the console, the lifecycle timers) take `current` once per request or pass, so
/// none of them sees half of one configuration and half of another. Components that keep state
/// derived from it (grouping's groups, the dispatcher's sinks, the noise gate's thresholds)
/// adopt a new snapshot before it is published here — sinks first, so nothing is routed to an
/// integration the dispatcher does not know yet.
final class ActiveConfig: Sendable {
    struct Snapshot: Sendable {
        /// 1 at start, one more at each reload taken.
        let generation: Int
        let config: LoadedConfig
        /// Integrations per receiver, as the sinks were built.
        let integrations: [String: [Integration]]

        var routing: RoutingConfig { config.routing }
        var escalation: EscalationRouting { EscalationRouting(routing: config.routing, integrations: integrations) }
    }

    private let state: Mutex<Snapshot>

    init(config: LoadedConfig, integrations: [String: [Integration]]) {
        state = Mutex(Snapshot(generation: 1, config: config, integrations: integrations))
    }

    var current: Snapshot { state.withLock { $0 } }

    /// Makes `config` the one in force; returns its snapshot.
    @discardableResult
    func publish(_ config: LoadedConfig, integrations: [String: [Integration]]) -> Snapshot {
        state.withLock { s in
            s = Snapshot(generation: s.generation + 1, config: config, integrations: integrations)
            return s
        }
    }
}
