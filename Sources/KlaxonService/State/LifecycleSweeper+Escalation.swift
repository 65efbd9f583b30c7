import Foundation
import KlaxonCore
import KlaxonStore
import Metrics

/// The routing in force, as escalation needs it: which policy a route names, and the
/// integrations of each receiver.
struct EscalationRouting: Sendable {
    var routing: RoutingConfig
    var integrations: [String: [Integration]]

    /// Policies named by the routes that notify `alert` (first match per policy name).
    func policies(for alert: Alert) -> [EscalationPolicy] {
        var seen: Set<String> = []
        return routing.tree.match(alert).compactMap { route in
            guard let name = route.escalation, seen.insert(name).inserted else { return nil }
            return routing.escalationPolicy(named: name)
        }
    }
}

/// What one escalation pass works from, read before the open alerts are: the routing in force
/// and the escalations under way.
struct EscalationPass: Sendable {
    var routing: EscalationRouting
    var states: [Fingerprint: [EscalationState]]

    /// Whether the pass needs this open alert: notified and unacknowledged, and either a policy
    /// is in force (it may start one) or it has an escalation under way (it may go on or stop).
    /// With no policy and nothing under way, no open alert is held in memory.
    func watches(_ a: OpenAlert) -> Bool {
        a.acknowledgedAt == nil && a.notifiedAt != nil && (!routing.routing.escalationPolicies.isEmpty || states[a.fingerprint] != nil)
    }
}

extension LifecycleSweeper {
    /// The routing and the escalations under way; nil when escalation is off.
    func escalationPass() async throws -> EscalationPass? {
        guard let escalations, let routingNow else { return nil }
        let routing = await routingNow()
        let states = try await io.run { Dictionary(grouping: try escalations.all(), by: \.fingerprint) }
        return EscalationPass(routing: routing, states: states)
    }

    /// Starts escalations for notified, unacknowledged alerts whose route names a policy, and
    /// runs the steps that are due (or made due by an SLA breach this pass). A step queues one
    /// outbox row per integration of each tier receiver under a key fixed by alert instance,
    /// policy and step, so a step repeated after a crash sends nothing twice.
    /// - Parameter open: the open alerts `pass.watches` kept.
    func escalate(_ open: [OpenAlert], breached: Set<Fingerprint>, pass: EscalationPass, now: Date) async throws -> [Fingerprint] {
        guard let escalations else { return [] }
        // The reads and writes on `io`, off the cooperative pool.
        let escalated = try await io.run { [self] in
            try escalate(open: open, breached: breached, pass: pass, escalations: escalations, now: now)
        }
        if !escalated.isEmpty { delivered() }
        return escalated
    }

    private func escalate(
        open: [OpenAlert], breached: Set<Fingerprint>, pass: EscalationPass, escalations: EscalationStore, now: Date
    ) throws -> [Fingerprint] {
        let routing = pass.routing
        var states = pass.states
        // `open` holds only notified, unacknowledged alerts (`EscalationPass.watches`).
        let openByFP = Dictionary(open.map { ($0.fingerprint, $0) }, uniquingKeysWith: { a, _ in a })
        // New escalations (an earlier instance's leftover rows are replaced). Instances already
        // found to have no policy are not read again until the policies change.
        let policyNames = routing.routing.escalationPolicies.map(\.name)
        let fresh = policyNames.isEmpty ? [] : open.filter { a in
            !(states[a.fingerprint] ?? []).contains { $0.instanceStart == a.detectedAt }
                && !unescalated.contains(a.fingerprint, instance: a.detectedAt, policies: policyNames)
        }
        let contents = fresh.isEmpty ? [:] : try store.contents(of: fresh.map(\.fingerprint))
        for a in fresh {
            guard let alert = contents[a.fingerprint]?.alert, let notifiedAt = a.notifiedAt else { continue }
            let policies = routing.policies(for: alert)
            if policies.isEmpty { unescalated.insert(a.fingerprint, instance: a.detectedAt, policies: policyNames) }
            for policy in policies {
                guard let s = Escalation.start(a.fingerprint, policy: policy, instanceStart: a.detectedAt, notifiedAt: notifiedAt) else { continue }
                try escalations.save(s)
                states[a.fingerprint, default: []].removeAll { $0.policy == s.policy }
                states[a.fingerprint, default: []].append(s)
            }
        }
        var escalated: [Fingerprint] = []
        for s in states.values.joined().sorted(by: { ($0.dueAt, $0.fingerprint) < ($1.dueAt, $1.fingerprint) }) {
            let isOpen = openByFP[s.fingerprint].map { $0.detectedAt == s.instanceStart } ?? false
            let action = Escalation.decide(
                s, policy: routing.routing.escalationPolicy(named: s.policy), open: isOpen, breached: breached.contains(s.fingerprint), now: now)
            switch action {
            case .wait:
                continue
            case .stop:
                try escalations.delete(s.fingerprint, policy: s.policy)
            case let .notify(tier, cycle, receivers, next):
                guard let state = try store.state(of: s.fingerprint) else { continue }
                let queued = notifications(state, receivers: receivers, step: s, routing: routing)
                _ = try store.recordFlush(queued, log: [:], at: queueTime())
                try history.record(s.fingerprint, AlertEvent(
                    at: now, kind: .escalated, actor: "escalation",
                    reason: "\(s.policy) tier \(tier + 1)\(cycle > 0 ? " (repeat \(cycle))" : "") → \(receivers.joined(separator: ", "))"))
                try escalations.save(next)
                Counter(label: "klaxon_escalations_total", dimensions: [("policy", s.policy), ("tier", "\(tier + 1)")]).increment()
                escalated.append(s.fingerprint)
            }
        }
        return escalated
    }

    /// Each alert's escalation is its own group (`escalation:POLICY:FP`), so a PagerDuty incident
    /// or Slack message opened by a tier belongs to that alert alone and its acknowledgement
    /// closes nothing else.
    private func notifications(_ state: AlertState, receivers: [String], step: EscalationState, routing: EscalationRouting) -> [QueuedNotification] {
        let a = state.alert
        let notified = NotifiedAlert(
            status: .firing, fingerprint: a.fingerprint, labels: a.labels, annotations: a.annotations, severity: a.severity,
            startsAt: state.firstSeenAt, occurrences: state.occurrences)
        let base = "escalation/\(step.policy)/\(a.fingerprint)/\(Int(step.instanceStart.timeIntervalSince1970))/step-\(step.step)"
        return receivers.flatMap { receiver in
            (routing.integrations[receiver] ?? []).map { integration in
                let key = "\(base)/\(receiver)"
                return QueuedNotification(
                    notification: AlertNotification(
                        idempotencyKey: key, receiver: receiver, status: .firing, groupKey: "escalation:\(step.policy):\(a.fingerprint)",
                        groupLabels: ["alertname": a.name], alerts: [notified]),
                    integration: integration.name, key: "\(key)/\(integration.name)")
            }
        }
    }
}
