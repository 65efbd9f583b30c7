import Foundation

/// Runs route test cases against a routing configuration, purely.
public struct RouteTestRunner: Sendable {
    /// The outcome of one case: what Klaxon decided, and which expectations failed.
    public struct Result: Sendable, Hashable {
        public var name: String
        public var line: Int
        public var receivers: [String]
        public var inhibited: Bool
        public var silenced: Bool
        public var mutedReceivers: [String]
        public var groupKeys: [String]
        /// One line per failed expectation, e.g. `receivers: expected [a], got [b]`.
        public var failures: [String]
        public var passed: Bool { failures.isEmpty }
    }

    public let config: RoutingConfig
    private let intervals: [String: NamedTimeInterval]

    public init(config: RoutingConfig) {
        self.config = config
        self.intervals = config.timeIntervalsByName
    }

    /// Runs every case; `now` is used for cases without `at`.
    public func run(_ suite: RouteTestSuite, now: Date) -> [Result] {
        suite.cases.map { run($0, suiteSilences: suite.silences, now: now) }
    }

    public func run(_ c: RouteTestCase, suiteSilences: [Silence] = [], now: Date) -> Result {
        let at = c.at ?? now
        let routes = config.tree.match(c.labels, severity: c.severity)
        let receivers = routes.map(\.receiver)
        let inhibited = Inhibitor(rules: config.inhibitRules, firingAlerts: c.activeAlerts + [c.labels])
            .inhibition(of: c.labels) != nil
        let silenced = Silencer(silences: suiteSilences + c.silences).mutes(c.labels, at: at)
        let muted = routes.filter { $0.isMuted(at: at, intervals: intervals) }.map(\.receiver)
        let keys = routes.map { GroupKey(route: $0, labels: c.labels).value }

        var failures: [String] = []
        func check<T: Equatable>(_ what: String, _ expected: T?, _ got: T) {
            if let expected, expected != got { failures.append("\(what): expected \(expected), got \(got)") }
        }
        check("receivers", c.expectedReceivers, receivers)
        check("inhibited", c.expectedInhibited, inhibited)
        check("silenced", c.expectedSilenced, silenced)
        check("muted_receivers", c.expectedMutedReceivers, muted)
        check("group_keys", c.expectedGroupKeys, keys)
        return Result(name: c.name, line: c.line, receivers: receivers, inhibited: inhibited, silenced: silenced,
                      mutedReceivers: muted, groupKeys: keys, failures: failures)
    }
}
