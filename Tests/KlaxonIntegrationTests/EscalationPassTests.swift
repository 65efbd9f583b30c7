import Foundation
import KlaxonCore
import KlaxonStore
import Testing

@testable import KlaxonService

/// Which open alerts a lifecycle pass holds for escalation: the sweep visits every open alert
/// but keeps only these (at a million open alerts, holding them all was the pass's peak).
struct EscalationPassTests {
    let t0 = Date(timeIntervalSince1970: 1_750_000_000)

    func open(_ name: String, notified: Bool = true, acknowledged: Bool = false) -> OpenAlert {
        OpenAlert(
            fingerprint: Fingerprint(labels: ["alertname": name]), severity: .high, source: "falco", detectedAt: t0,
            notifiedAt: notified ? t0 : nil, acknowledgedAt: acknowledged ? t0 : nil, breached: [])
    }

    func routing(policy: Bool) throws -> EscalationRouting {
        let yaml = """
            route:
              receiver: log
            \(policy ? "  routes:\n    - matchers: ['severity=\"high\"']\n      escalation: oncall\n" : "")receivers:
              - name: log
            \(policy ? "escalation_policies:\n  - name: oncall\n    tiers:\n      - receivers: [log]\n        delay: 5m\n" : "")
            """
        return EscalationRouting(routing: try RoutingConfig.load(yaml: yaml, file: "routes.yml"), integrations: [:])
    }

    @Test func withoutAPolicyOnlyAlertsWithAnEscalationUnderWayAreHeld() throws {
        let underWay = open("under way")
        let pass = EscalationPass(
            routing: try routing(policy: false),
            states: [underWay.fingerprint: [KlaxonCore.EscalationState(fingerprint: underWay.fingerprint, policy: "gone", instanceStart: t0, step: 0, dueAt: t0)]])
        #expect(pass.watches(underWay))
        #expect(!pass.watches(open("quiet")), "no policy and nothing under way: not held")
        #expect(!pass.watches(open("under way", acknowledged: true)), "acknowledged: the escalation stops without it")
    }

    @Test func withAPolicyEveryNotifiedUnacknowledgedAlertIsHeld() throws {
        let pass = EscalationPass(routing: try routing(policy: true), states: [:])
        #expect(pass.watches(open("notified")))
        #expect(!pass.watches(open("not yet notified", notified: false)))
        #expect(!pass.watches(open("acknowledged", acknowledged: true)))
    }
}
