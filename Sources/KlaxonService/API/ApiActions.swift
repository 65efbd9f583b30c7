import Foundation
import KlaxonCore
import KlaxonStore

/// What the API's routes do, apart from HTTP: the JSON API and the web console call these, so
/// a change made from either is validated, stored and audited the same way.
enum ApiActions {
    /// An alert with what mutes it now, as `GET /api/v1/alerts` lists it.
    struct Listed: Sendable {
        let state: AlertState
        let silencedBy: [String]
        let inhibited: Bool
    }

    /// Every stored alert (only those in `status` when given), with its silences and inhibition now.
    static func alerts(status: String?, _ deps: ApiDependencies, now: Date) async throws -> [Listed] {
        if let status, AlertState.Status(rawValue: status) == nil {
            let valid = AlertState.Status.allCases.map(\.rawValue).joined(separator: ", ")
            throw ApiFailure(.badRequest, "status must be one of \(valid), got \"\(status)\"")
        }
        let states = try deps.heldStates().filter { status == nil || $0.status.rawValue == status }
        let muted = await deps.grouping.muting(states.filter { $0.status != .resolved }.map(\.alert), now: now)
        return states.map { s in
            Listed(state: s, silencedBy: muted[s.alert.fingerprint]?.silencedBy ?? [], inhibited: muted[s.alert.fingerprint]?.inhibited ?? false)
        }
    }

    /// What an acknowledgement or resolve came to.
    enum StateChange: Sendable {
        /// Applied here: the alert's new state.
        case applied(AlertState)
        /// Sent to the instance that owns the alert (`AlertCommandForwarder`), through this
        /// `klaxon.alerts` partition; its owner applies it.
        case forwarded(partition: Int32)

        var forwarded: Bool {
            if case .forwarded = self { true } else { false }
        }
    }

    /// Acknowledges or resolves an alert by hand. On the instance that owns the alert, applied
    /// here: a resolution goes to grouping, which sends the resolved notification, and an
    /// acknowledgement queues, in the same transaction, one acknowledged notification for every
    /// integration that was notified of the alert firing. Elsewhere, sent to the owner, which
    /// does the same (`StateService`); this instance's copy, if any, may be stale, so it is not
    /// the judge of a conflict.
    static func changeState(
        _ fp: Fingerprint, actor: String, _ deps: ApiDependencies, _ action: AlertCommand.Action
    ) async throws -> StateChange {
        let now = Date()
        if let commands = deps.commands, !commands.owns(fp) {
            let partition = try await commands.forward(AlertCommand(action: action, fingerprint: fp, actor: actor, issuedAt: now))
            try deps.audit.record(
                actor: actor, action: action.auditName, subject: fp.description,
                detail: "sent to the alert's owner (\(commands.topic) partition \(partition))", at: now)
            return .forwarded(partition: partition)
        }
        guard let current = try deps.store.state(of: fp) else { throw ApiFailure(.notFound, "no alert \(fp)") }
        let routing = action == .acknowledge ? FollowUpRouting(deps.config.current.integrations) : nil
        guard let next = try deps.store.update(fp, by: actor, followUps: routing, { action.apply($0, at: now) }) else {
            throw ApiFailure(.conflict, "alert \(fp) is \(current.status.rawValue)")
        }
        if next.status == .resolved { await deps.grouping.add([next], now: now) }
        if next.status == .acknowledged { deps.nudgeDelivery() }
        try deps.audit.record(actor: actor, action: action.auditName, subject: fp.description, at: now)
        return .applied(next)
    }

    /// Suppresses a fingerprint from now on, on every instance (through the control topic), and
    /// counts it towards its source's false-positive rate.
    /// The alert need not be held here: with several instances it may be another's.
    static func markFalsePositive(_ fp: Fingerprint, reason: String, by: String, _ deps: ApiDependencies) async throws {
        guard !reason.isEmpty else { throw ApiFailure(.badRequest, "reason is required") }
        let now = Date()
        let mark = FalsePositiveStore.Mark(fingerprint: fp, reason: reason, markedBy: by, markedAt: now)
        try await deps.control.write { ((), [.falsePositive(mark)]) }
        try deps.audit.record(actor: by, action: "alert.false_positive", subject: fp.description, detail: reason, at: now)
        FalsePositiveRates.publish(try deps.falsePositives.rates())
    }

    /// Takes a false-positive mark back, on every instance: the alert is judged like any other again.
    static func unmarkFalsePositive(_ fp: Fingerprint, by: String, _ deps: ApiDependencies) async throws {
        let now = Date()
        try await deps.control.write { [falsePositives = deps.falsePositives] in
            guard falsePositives.contains(fp) else { throw ApiFailure(.notFound, "alert \(fp) is not marked as a false positive") }
            return ((), [.falsePositiveRemoved(fp, by: by, at: now)])
        }
        try deps.audit.record(actor: by, action: "alert.false_positive_removed", subject: fp.description, at: now)
        FalsePositiveRates.publish(try deps.falsePositives.rates())
    }

    /// Validates a new silence and writes it to every instance (through the control topic), then
    /// audits it; an identical one in force (`Silence.duplicates`) is returned instead, and
    /// nothing is written.
    static func createSilence(_ request: SilenceRequest, _ deps: ApiDependencies) async throws -> Silence {
        let now = Date()
        let candidate = try request.silence(id: UUID().uuidString.lowercased(), now: now)
        let (silence, created) = try await deps.control.write { [silences = deps.silences] in
            // An identical silence already in force is answered with itself, not repeated.
            if let same = try silences.snapshot().silences.first(where: { candidate.duplicates($0, at: now) }) {
                return ((same, false), [])
            }
            return ((candidate, true), [.silence(candidate)])
        }
        guard created else { return silence }
        try deps.audit.record(
            actor: silence.createdBy, action: "silence.create", subject: silence.id,
            detail: "\(silence.matchers.map(\.description).joined(separator: ", ")): \(silence.comment)", at: now)
        return silence
    }

    /// Ends a silence now, on every instance.
    static func expireSilence(_ id: String, actor: String, _ deps: ApiDependencies) async throws {
        let now = Date()
        try await deps.control.write { [silences = deps.silences] in
            guard let s = try silences.get(id) else { throw ApiFailure(.notFound, "no silence \(id)") }
            guard s.state(at: now) != .expired else { throw ApiFailure(.conflict, "silence \(id) is already expired") }
            return ((), [.silence(s.expired(at: now))])
        }
        try deps.audit.record(actor: actor, action: "silence.expire", subject: id, at: now)
    }

    /// Puts a failed or dead outbox entry back in the queue and wakes the dispatcher.
    static func retryDelivery(_ id: Int64, actor: String, _ deps: ApiDependencies) throws {
        let now = Date()
        guard try deps.outbox.retry(id, at: now) else {
            throw ApiFailure(.conflict, "delivery \(id) does not exist or was already delivered")
        }
        try deps.audit.record(actor: actor, action: "delivery.retry", subject: "\(id)", at: now)
        deps.nudgeDelivery()
    }

    /// `klaxon report` over the last `window`, grouped by `by`, with coverage when kept.
    static func report(window: Duration, by: [String], _ deps: ApiDependencies, now: Date) throws -> IncidentReport {
        let since = now.addingTimeInterval(-Double(window.components.seconds))
        var report = IncidentReport.make(try deps.history.incidents(since: since, until: now), by: by, since: since, until: now)
        report.coverage = try deps.coverage?(now)
        return report
    }
}
