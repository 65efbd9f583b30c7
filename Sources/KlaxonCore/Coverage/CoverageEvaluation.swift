import Foundation

/// Vulnerability coverage at one instant, decided over a snapshot: per environment, how many
/// known artifacts had a complete scan inside their schedule, and which are overdue.
///
/// An artifact is *covered* when its last scan is at most its environment's schedule old. It is
/// *overdue* when it is not covered and has been known (`Span.first`) for longer than that
/// schedule: one known for long is overdue as soon as its last scan goes out of date, and a
/// new one gets one schedule period for its first scan (even when the scan that made it known
/// was already old). Artifacts last seen longer ago than `forgetAfter`
/// are left out.
public struct CoverageEvaluation: Sendable, Hashable, Codable {
    public struct Environment: Sendable, Hashable, Codable {
        /// The `environment` label; `none` for artifacts without one.
        public var environment: String
        public var schedule: Duration
        public var known: Int
        public var covered: Int
        /// covered / known, 0–1 (1 with nothing known).
        public var ratio: Double { known == 0 ? 1 : Double(covered) / Double(known) }

        enum CodingKeys: String, CodingKey { case environment, scheduleSeconds, known, covered, ratio }

        public init(environment: String, schedule: Duration, known: Int, covered: Int) {
            self.environment = environment
            self.schedule = schedule
            self.known = known
            self.covered = covered
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            environment = try c.decode(String.self, forKey: .environment)
            schedule = .seconds(try c.decode(Double.self, forKey: .scheduleSeconds))
            known = try c.decode(Int.self, forKey: .known)
            covered = try c.decode(Int.self, forKey: .covered)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(environment, forKey: .environment)
            try c.encode(schedule.seconds, forKey: .scheduleSeconds)
            try c.encode(known, forKey: .known)
            try c.encode(covered, forKey: .covered)
            try c.encode(ratio, forKey: .ratio)
        }
    }

    /// A known artifact without a scan inside its schedule, known for longer than one period.
    public struct Overdue: Sendable, Hashable, Codable {
        public var kind: String
        public var name: String
        public var environment: String
        public var lastScan: Date?
        public var firstSeen: Date
    }

    /// Sorted by environment.
    public var environments: [Environment]
    public var overdue: [Overdue]

    /// Everything together.
    public var total: Environment {
        Environment(
            environment: "total", schedule: .zero, known: environments.reduce(0) { $0 + $1.known },
            covered: environments.reduce(0) { $0 + $1.covered })
    }

    /// - Parameters:
    ///   - sightings: artifacts seen in events (store), by kind, name and environment.
    ///   - scans: latest complete scan per normalized name.
    ///   - config: schedules, tracked kinds, inventory.
    public static func evaluate(
        sightings: [CoverageObservations.Key: CoverageObservations.Span], scans: [String: Date], config: CoverageConfig, now: Date
    ) -> CoverageEvaluation {
        let horizon = now.addingTimeInterval(-config.forgetAfter.seconds)
        let kinds = Set(config.kinds)
        var known: [CoverageObservations.Key: Date] = [:]  // first seen
        for (key, span) in sightings where kinds.contains(key.kind) && span.last >= horizon {
            known[key] = span.first
        }
        for item in config.inventory where kinds.contains(item.kind) {
            let key = CoverageObservations.Key(
                kind: item.kind, name: ArtifactName.normalize(item.name, kind: item.kind), environment: item.environment ?? "")
            // Listed in config: known however long ago it was seen. The timers record inventory
            // items as seen on each pass, so their first sighting is kept by the store.
            known[key] = sightings[key]?.first ?? now
        }
        var counts: [String: (known: Int, covered: Int)] = [:]
        var overdue: [Overdue] = []
        for (key, firstSeen) in known.sorted(by: { $0.key < $1.key }) {
            let schedule = config.schedule(of: key.environment.isEmpty ? nil : key.environment).seconds
            let lastScan = scans[key.name]
            let covered = lastScan.map { now.timeIntervalSince($0) <= schedule } ?? false
            let env = key.environment.isEmpty ? "none" : key.environment
            counts[env, default: (0, 0)].known += 1
            if covered {
                counts[env, default: (0, 0)].covered += 1
            } else if now.timeIntervalSince(firstSeen) > schedule {
                overdue.append(Overdue(kind: key.kind, name: key.name, environment: key.environment, lastScan: lastScan, firstSeen: firstSeen))
            }
        }
        let environments = counts.keys.sorted().map { env in
            Environment(
                environment: env, schedule: config.schedule(of: env == "none" ? nil : env), known: counts[env]?.known ?? 0,
                covered: counts[env]?.covered ?? 0)
        }
        return CoverageEvaluation(environments: environments, overdue: overdue)
    }
}
