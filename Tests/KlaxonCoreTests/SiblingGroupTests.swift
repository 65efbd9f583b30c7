import Foundation
import Testing
@testable import KlaxonCore

/// Issue #9 defect: sibling routes with identical matchers shared one group, so only the first
/// receiver was notified. Groups are per route node, as in Alertmanager's dispatcher.
@Suite struct SiblingGroupTests {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    @Test func siblingsWithoutMatchersEachNotifyTheirReceiver() throws {
        let config = try RoutingConfig.load(yaml: """
            route:
              receiver: default
              group_wait: 0s
              routes:
                - receiver: a
                  continue: true
                - receiver: b
                  continue: true
            receivers:
              - name: default
              - name: a
                webhook_configs: [{url: 'http://127.0.0.1:1/a'}]
              - name: b
                webhook_configs: [{url: 'http://127.0.0.1:1/b'}]
            """, file: "siblings.yml")
        let labels = ["alertname": "X", "severity": "high"]
        let routes = config.route.match(labels)
        #expect(routes.map(\.receiver) == ["a", "b"], "what `klaxon routes test` says")
        #expect(Set(routes.map { GroupKey(route: $0, labels: labels) }).count == 1, "the key strings are the same, as in Alertmanager")

        var s = GroupScheduler(config: config)
        s.insert(GroupedAlert(labels: labels, startsAt: t0), labels: labels, routes: routes, at: t0)
        let sent = s.advance(to: t0)
        #expect(sent.map(\.receiver) == ["a", "b"], "both receivers are notified")
        #expect(Set(sent.map(\.groupKey)).count == 1, "with the Alertmanager-compatible group key")
        #expect(s.groupCount == 2 && s.groupKeys.count == 1)
        #expect(Set(sent.map(\.idempotencyKey)).count == 2)

        // Each group then lives on its own: a resolve reaches both.
        s.insert(GroupedAlert(labels: labels, startsAt: t0, resolvedAt: t0.addingTimeInterval(10)), labels: labels, routes: routes, at: t0.addingTimeInterval(10))
        let resolved = s.advance(to: t0.addingTimeInterval(400))
        #expect(resolved.map(\.receiver) == ["a", "b"] && resolved.allSatisfy { $0.firing.isEmpty && $0.resolved.count == 1 })
    }
}
