import Foundation

/// The most findings of each severity a report may carry and still pass `klaxon gate`.
///
/// Levels are counted separately (a limit on high does not count critical findings); `fatal`
/// counts as critical, and `info`/`unknown` findings are listed but never limited. A level with
/// no entry in `maximum` has no limit.
public struct GateLimits: Sendable, Hashable {
    /// The levels a limit can be set for, most severe first.
    public static let levels: [Severity.Level] = [.critical, .high, .medium, .low]

    /// Maximum count per level; absent means no limit.
    public var maximum: [Severity.Level: Int]
    /// When false, a violation is reported but the gate still passes (exit 0). Default true.
    public var failOnViolation: Bool

    public init(maximum: [Severity.Level: Int], failOnViolation: Bool = true) {
        self.maximum = maximum
        self.failOnViolation = failOnViolation
    }

    /// The application guide's policy: critical 0, high 0, medium 5, low unlimited; violations fail.
    public static let applicationGuide = GateLimits(maximum: [.critical: 0, .high: 0, .medium: 5])

    /// The level a finding is counted at (fatal folds into critical; below low is not limited).
    public static func countedLevel(_ level: Severity.Level) -> Severity.Level {
        level == .fatal ? .critical : level
    }

    /// These limits with `override`'s entries replacing their own.
    public func applying(_ override: GateLimitOverride) -> GateLimits {
        var result = self
        for (level, value) in override.maximum {
            if let value { result.maximum[level] = value } else { result.maximum[level] = nil }
        }
        if let fail = override.failOnViolation { result.failOnViolation = fail }
        return result
    }

    /// `critical=0,high=0,medium=5,low=unlimited` (levels most severe first).
    public var summary: String {
        GateLimits.levels.map { "\($0.name)=\(maximum[$0].map(String.init) ?? "unlimited")" }.joined(separator: ",")
    }
}

/// A partial change to `GateLimits` from one source (config, environment, `--max`): only the
/// levels it names change. A nil value means "no limit".
public struct GateLimitOverride: Sendable, Hashable {
    public var maximum: [Severity.Level: Int?]
    public var failOnViolation: Bool?

    public init(maximum: [Severity.Level: Int?] = [:], failOnViolation: Bool? = nil) {
        self.maximum = maximum
        self.failOnViolation = failOnViolation
    }

    public var isEmpty: Bool { maximum.isEmpty && failOnViolation == nil }

    /// `other`'s entries on top of these.
    public func merged(with other: GateLimitOverride) -> GateLimitOverride {
        var result = self
        for (k, v) in other.maximum { result.maximum[k] = .some(v) }
        if let f = other.failOnViolation { result.failOnViolation = f }
        return result
    }

    /// Parses `--max critical=0,high=0,medium=5,low=unlimited`. A value is a count ≥ 0, or
    /// `unlimited` / `none` / `-1` for no limit.
    public static func parse(max text: String) throws(GateLimitError) -> GateLimitOverride {
        var result = GateLimitOverride()
        for part in text.split(separator: ",", omittingEmptySubsequences: true) {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { throw GateLimitError("--max: expected level=count, got \"\(part)\"") }
            let level = try level(pair[0], source: "--max")
            result.maximum[level] = .some(try count(pair[1], source: "--max \(pair[0])"))
        }
        return result
    }

    /// The application guide's variables: `MAX_CRITICAL_VULNERABILITIES`, `MAX_HIGH_VULNERABILITIES`,
    /// `MAX_MEDIUM_VULNERABILITIES`, `MAX_LOW_VULNERABILITIES` (a count, or `unlimited`/`-1`) and
    /// `FAIL_ON_VULNERABILITIES` (`true`/`false`). Unset or empty variables change nothing.
    public static func fromEnvironment(_ environment: [String: String]) throws(GateLimitError) -> GateLimitOverride {
        var result = GateLimitOverride()
        for level in GateLimits.levels {
            let name = "MAX_\(level.name.uppercased())_VULNERABILITIES"
            guard let value = environment[name], !value.isEmpty else { continue }
            result.maximum[level] = .some(try count(value, source: name))
        }
        if let value = environment["FAIL_ON_VULNERABILITIES"], !value.isEmpty {
            switch value.lowercased() {
            case "true", "1", "yes": result.failOnViolation = true
            case "false", "0", "no": result.failOnViolation = false
            default: throw GateLimitError("FAIL_ON_VULNERABILITIES: expected true or false, got \"\(value)\"")
            }
        }
        return result
    }

    /// A level name a limit can be set for.
    public static func level(_ name: String, source: String) throws(GateLimitError) -> Severity.Level {
        guard let level = Severity.Level(name: name), GateLimits.levels.contains(level) else {
            throw GateLimitError(prefix(source) + "unknown level \"\(name)\" (one of critical, high, medium, low)")
        }
        return level
    }

    private static func prefix(_ source: String) -> String { source.isEmpty ? "" : source + ": " }

    /// A count ≥ 0, or nil for `unlimited`, `none` or `-1`.
    public static func count(_ text: String, source: String) throws(GateLimitError) -> Int? {
        switch text.lowercased() {
        case "unlimited", "none", "-1": return nil
        default:
            guard let n = Int(text), n >= 0 else {
                throw GateLimitError(prefix(source) + "expected a count ≥ 0 or unlimited, got \"\(text)\"")
            }
            return n
        }
    }
}

/// A limit that cannot be read (bad `--max`, environment variable or value).
public struct GateLimitError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
