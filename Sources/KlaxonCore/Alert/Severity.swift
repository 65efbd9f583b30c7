/// One severity scale for every source: the OCSF `severity_id` (0–6) plus a 0–100 score on the
/// Security Hub bands (0 info, 1–39 low, 40–69 medium, 70–89 high, 90–100 critical).
public struct Severity: Sendable, Hashable, Codable, Comparable {
    /// OCSF `severity_id`: 0 unknown, 1 info, 2 low, 3 medium, 4 high, 5 critical, 6 fatal.
    public let id: Int
    /// 0–100, Security Hub bands. A 0–10 score (CVSS, GuardDuty) ×10 lands on the same bands.
    public let score: Int

    public init(id: Int, score: Int) {
        self.id = min(max(id, 0), 6)
        self.score = min(max(score, 0), 100)
    }

    /// The severity with its default score for a level.
    public init(level: Level) {
        self.init(id: level.rawValue, score: level.defaultScore)
    }

    /// The band a 0–100 score falls in, with that score.
    public init(score: Int) {
        let clamped = min(max(score, 0), 100)
        self.init(id: Level(bandOf: clamped).rawValue, score: clamped)
    }

    public var level: Level { Level(rawValue: id) ?? .unknown }

    /// Lowercase name used as the `severity` label: unknown, info, low, medium, high, critical, fatal.
    public var name: String { level.name }

    public static func < (a: Severity, b: Severity) -> Bool {
        (a.id, a.score) < (b.id, b.score)
    }

    public static let unknown = Severity(level: .unknown)
    public static let info = Severity(level: .info)
    public static let low = Severity(level: .low)
    public static let medium = Severity(level: .medium)
    public static let high = Severity(level: .high)
    public static let critical = Severity(level: .critical)
    public static let fatal = Severity(level: .fatal)

    /// OCSF severity levels.
    public enum Level: Int, Sendable, CaseIterable, Comparable {
        case unknown = 0, info, low, medium, high, critical, fatal

        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }

        public var name: String {
            switch self {
            case .unknown: "unknown"
            case .info: "info"
            case .low: "low"
            case .medium: "medium"
            case .high: "high"
            case .critical: "critical"
            case .fatal: "fatal"
            }
        }

        /// The score a level gets when the source gives no number (DESIGN.md's Trivy column).
        public var defaultScore: Int {
            switch self {
            case .unknown: 0
            case .info: 0
            case .low: 20
            case .medium: 55
            case .high: 80
            case .critical: 95
            case .fatal: 100
            }
        }

        /// Parses a level name, case-insensitively; accepts `informational` for info.
        public init?(name: String) {
            switch name.lowercased() {
            case "unknown": self = .unknown
            case "info", "informational": self = .info
            case "low": self = .low
            case "medium", "moderate": self = .medium
            case "high": self = .high
            case "critical": self = .critical
            case "fatal": self = .fatal
            default: return nil
            }
        }

        init(bandOf score: Int) {
            switch score {
            case ..<1: self = .info
            case ..<40: self = .low
            case ..<70: self = .medium
            case ..<90: self = .high
            default: self = .critical
            }
        }
    }
}
