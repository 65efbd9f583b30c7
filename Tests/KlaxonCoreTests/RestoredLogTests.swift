import Foundation
import Testing
@testable import KlaxonCore

/// A scheduler that never notified an alert, given the notification log another one wrote,
/// sends the alert's resolution (issue #14: the instance that takes a partition over).
@Suite struct RestoredLogTests {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    @Test func aResolutionIsSentWhenTheLogSaysTheAlertWasNotifiedFiring() throws {
        let config = try RoutingConfig.load(yaml: """
            route:
              receiver: pager
              group_by: ['...']
              group_wait: 0s
              group_interval: 1s
            receivers:
              - name: pager
                webhook_configs: [{url: 'http://127.0.0.1:1/p'}]
            """, file: "r.yml")
        let labels = ["alertname": "Moved", "severity": "critical"]
        var old = GroupScheduler(config: config)
        old.insert(GroupedAlert(labels: labels, startsAt: t0), labels: labels, routes: config.route.match(labels), at: t0)
        #expect(old.advance(to: t0).count == 1)

        var new = GroupScheduler(config: config)
        new.log = old.log
        let resolved = GroupedAlert(fingerprint: Fingerprint(labels: labels), startsAt: t0, resolvedAt: t0.addingTimeInterval(60))
        new.insert(resolved, labels: labels, routes: config.route.match(labels), at: t0.addingTimeInterval(60))
        let sent = new.advance(to: t0.addingTimeInterval(60))
        #expect(sent.map(\.reason) == [.allResolved])
        #expect(sent.first?.resolved.map(\.fingerprint) == [Fingerprint(labels: labels)])
    }
}
