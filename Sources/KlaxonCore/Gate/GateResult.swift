/// What `klaxon gate` decided about a set of reports: every finding with its status, the
/// counts per level against the limits, and the verdict.
public struct GateResult: Sendable, Hashable {
    /// One level's count against its limit.
    public struct LevelCount: Sendable, Hashable {
        public var level: Severity.Level
        /// Findings counted at this level.
        public var count: Int
        /// Findings at this level the policy suppressed (not counted).
        public var suppressed: Int
        /// Nil when the level has no limit.
        public var limit: Int?

        public var exceeded: Bool { limit.map { count > $0 } ?? false }
    }

    public var limits: GateLimits
    /// The environment the policy was evaluated for, if any.
    public var environment: String?
    /// Violations first, then counted, then suppressed; most severe first within each.
    public var findings: [GateFinding]
    /// Every level from critical down to unknown.
    public var levels: [LevelCount]

    /// Levels over their limit.
    public var violations: [LevelCount] { levels.filter(\.exceeded) }

    /// True when no limit is exceeded, or violations do not fail (`fail_on_violation: false`).
    public var passed: Bool { violations.isEmpty || !limits.failOnViolation }

    public func findings(_ status: GateFinding.Status) -> [GateFinding] { findings.filter { $0.status == status } }

    /// `critical 1 > 0, medium 7 > 5`, or `within limits`.
    public var verdictText: String {
        let v = violations
        if v.isEmpty { return "within limits" }
        return v.map { "\($0.level.name) \($0.count) > \($0.limit ?? 0)" }.joined(separator: ", ")
    }
}
