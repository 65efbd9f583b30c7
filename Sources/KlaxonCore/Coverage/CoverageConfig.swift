import Foundation

/// `coverage:` in the service config: which artifacts Klaxon tracks for vulnerability
/// coverage, how often each environment must be scanned, and the `ScanOverdue` alert.
///
/// ```yaml
/// coverage:
///   schedule: {local: 7d, dev: 7d, staging: 1d, prod: 1d}   # merged over these defaults
///   default_schedule: 7d        # environments not listed, and artifacts with none
///   kinds: [image]             # also host, account: once something scans them
///   forget_after: 30d           # an artifact not seen for this long drops out
///   overdue_alerts: true        # raise ScanOverdue alerts
///   overdue_severity: medium
///   inventory:                  # artifacts known without being seen in an event
///     - {image: "registry.example.com/shop/api:2.4", environment: prod}
/// ```
public struct CoverageConfig: Sendable, Hashable {
    /// The longest a complete scan may be old, per environment. Default: the ops guide's
    /// local and dev weekly, staging and prod daily.
    public var schedules: [String: Duration]
    /// For environments not in `schedules` and artifacts with no `environment` label. Default 7 d.
    public var defaultSchedule: Duration
    /// Labels whose values are artifacts. Default `image` only: hosts and accounts are covered
    /// only by scans that name them, so by default every host a runtime monitor reports would
    /// become overdue a day later.
    public var kinds: [String]
    /// An artifact last seen longer ago than this is no longer counted (nor alerted on). Default 30 d.
    public var forgetAfter: Duration
    /// Whether overdue artifacts raise a `ScanOverdue` alert. Default true.
    public var overdueAlerts: Bool
    /// Severity of `ScanOverdue` alerts. Default medium.
    public var overdueSeverity: Severity
    /// Artifacts known from config, counted whether or not an event named them.
    public var inventory: [InventoryItem]

    public struct InventoryItem: Sendable, Hashable {
        public var kind: String
        public var name: String
        public var environment: String?

        public init(kind: String, name: String, environment: String? = nil) {
            self.kind = kind
            self.name = name
            self.environment = environment
        }
    }

    public static let defaultSchedules: [String: Duration] = [
        "local": .seconds(7 * 86_400), "dev": .seconds(7 * 86_400), "staging": .seconds(86_400), "prod": .seconds(86_400),
    ]
    public static let defaultKinds = ["image"]

    public init(
        schedules: [String: Duration] = Self.defaultSchedules, defaultSchedule: Duration = .seconds(7 * 86_400),
        kinds: [String] = Self.defaultKinds, forgetAfter: Duration = .seconds(30 * 86_400), overdueAlerts: Bool = true,
        overdueSeverity: Severity = .medium, inventory: [InventoryItem] = []
    ) {
        self.schedules = schedules
        self.defaultSchedule = defaultSchedule
        self.kinds = kinds
        self.forgetAfter = forgetAfter
        self.overdueAlerts = overdueAlerts
        self.overdueSeverity = overdueSeverity
        self.inventory = inventory
    }

    /// The schedule of an environment (`nil` or unlisted: `defaultSchedule`).
    public func schedule(of environment: String?) -> Duration {
        environment.flatMap { schedules[$0] } ?? defaultSchedule
    }
}
