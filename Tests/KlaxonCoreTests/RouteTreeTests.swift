import Foundation
import Testing
@testable import KlaxonCore

@Suite struct RouteTreeTests {
    static let tree = """
    route:
      receiver: root
      group_by: [alertname]
      routes:
        - receiver: tap
          matchers: [source=trivy]
          continue: true
        - receiver: crit
          matchers: ['severity=~"critical|fatal"']
          routes:
            - receiver: crit-db
              matchers: [team=db]
              continue: true
            - receiver: crit-db-2
              matchers: [team=db]
            - receiver: never
              matchers: [team=db]
        - receiver: high-only
          min_severity: high
          matchers: [team=web]
        - receiver: web
          matchers: [team=web]
    receivers: [{name: root}, {name: tap}, {name: crit}, {name: crit-db}, {name: crit-db-2}, {name: never}, {name: high-only}, {name: web}]
    """

    let config: RoutingConfig
    init() throws { config = try RoutingConfig.load(yaml: Self.tree, file: "tree.yml") }

    @Test(arguments: [
        (["alertname": "X"], ["root"]),
        (["source": "trivy"], ["tap"]),   // a matching `continue` child still counts: no fallback to root
        (["source": "trivy", "severity": "critical"], ["tap", "crit"]),
        (["severity": "critical", "team": "db"], ["crit-db", "crit-db-2"]),
        (["source": "trivy", "severity": "fatal", "team": "db"], ["tap", "crit-db", "crit-db-2"]),
        (["team": "web", "severity": "high"], ["high-only"]),
        (["team": "web", "severity": "low"], ["web"]),
        (["team": "web"], ["web"]),
        (["team": "web", "severity": "error"], ["high-only"]),
    ])
    func receiversInAlertmanagerOrder(labels: [String: String], expected: [String]) {
        #expect(config.route.receivers(for: labels) == expected)
    }

    @Test func explicitSeverityOverridesLabel() {
        #expect(config.route.receivers(for: ["team": "web", "severity": "low"], severity: .critical) == ["high-only"])
    }

    @Test func matchReturnsResolvedLeafRoutes() {
        let routes = config.route.match(["severity": "critical", "team": "db"])
        #expect(routes.map(\.key) == [#"{}/{severity=~"critical|fatal"}/{team="db"}"#, #"{}/{severity=~"critical|fatal"}/{team="db"}"#])
        #expect(routes.map(\.id) == [#"{}/{severity=~"critical|fatal"}/{team="db"}/0"#, #"{}/{severity=~"critical|fatal"}/{team="db"}/1"#])
        #expect(routes.allSatisfy { $0.groupBy == .labels(["alertname"]) })
    }

    @Test func allRoutesListsTheTreeDepthFirst() {
        #expect(config.route.allRoutes.map(\.receiver) == ["root", "tap", "crit", "crit-db", "crit-db-2", "never", "high-only", "web"])
    }

    @Test func severityLabelNames() {
        #expect(Route.severityLevel(label: "CRITICAL") == .critical)
        #expect(Route.severityLevel(label: "warning") == .medium)
        #expect(Route.severityLevel(label: nil) == .unknown)
        #expect(Route.severityLevel(label: "bogus") == .unknown)
    }

    @Test func muteAndActiveTimeIntervalsAreNotInherited() throws {
        let c = try RoutingConfig.load(yaml: """
        route:
          receiver: r
          routes:
            - matchers: [a=b]
              mute_time_intervals: [weekend]
              routes:
                - receiver: r
                  matchers: [c=d]
            - matchers: [a=c]
              active_time_intervals: [weekend]
        time_intervals:
          - name: weekend
            time_intervals: [{weekdays: [saturday, sunday]}]
        receivers: [{name: r}]
        """, file: "t.yml")
        let saturday = Date(timeIntervalSince1970: 1_764_374_400) // 2025-11-29T00:00:00Z, a Saturday
        let monday = saturday.addingTimeInterval(2 * 86400)
        let intervals = c.timeIntervalsByName
        let muted = c.route.routes[0]
        #expect(muted.isMuted(at: saturday, intervals: intervals))
        #expect(!muted.isMuted(at: monday, intervals: intervals))
        #expect(!muted.routes[0].isMuted(at: saturday, intervals: intervals), "Alertmanager does not inherit mute intervals")
        let active = c.route.routes[1]
        #expect(!active.isMuted(at: saturday, intervals: intervals))
        #expect(active.isMuted(at: monday, intervals: intervals))
    }
}
