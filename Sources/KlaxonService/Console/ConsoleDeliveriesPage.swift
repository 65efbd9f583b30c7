import Foundation
import KlaxonStore

/// `GET /deliveries`: the outbox per receiver/integration (pending, failed, dead), each
/// integration's circuit breaker, and the failed and dead entries with a retry button.
struct ConsoleDeliveriesPage {
    struct Lane {
        let lane: String
        let pending: Int
        let failed: Int
        let dead: Int
        let breaker: String
    }

    struct Problem {
        let id: Int64
        let lane: String
        let status: String
        let attempts: Int
        let lastError: String?
        let groupKey: String
    }

    let lanes: [Lane]
    let delivered: Int
    let problems: [Problem]
    let problemCount: Int
    let hasProblems: Bool
    let session: ConsoleSession?
    let csrf: String?

    static func make(
        pending: [OutboxEntry], dead: [OutboxEntry], delivered: Int, integrations: [String], breaker: (String) -> String?,
        session: ConsoleSession?
    ) -> ConsoleDeliveriesPage {
        let lanes = Set(integrations + pending.map(\.lane) + dead.map(\.lane)).sorted().map { lane in
            Lane(
                lane: lane, pending: pending.filter { $0.lane == lane }.count,
                failed: pending.filter { $0.lane == lane && $0.attempts > 0 }.count, dead: dead.filter { $0.lane == lane }.count,
                breaker: breaker(lane) ?? "closed (unused)")
        }
        let problems = (dead + pending.filter { $0.attempts > 0 }).sorted { $0.id > $1.id }.map {
            Problem(id: $0.id, lane: $0.lane, status: $0.status == .dead ? "dead" : "failed", attempts: $0.attempts, lastError: $0.lastError, groupKey: $0.groupKey)
        }
        return ConsoleDeliveriesPage(
            lanes: lanes, delivered: delivered, problems: problems, problemCount: problems.count, hasProblems: !problems.isEmpty,
            session: session, csrf: session?.csrf)
    }
}
