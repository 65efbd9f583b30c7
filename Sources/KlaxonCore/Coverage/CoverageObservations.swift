import Foundation

/// What one batch taught about artifacts: which were seen in events (first and last time,
/// by kind, name and environment) and which were scanned completely (latest time, by name).
/// Built from decoded reports without I/O; the store merges it (min first, max last).
public struct CoverageObservations: Sendable, Hashable {
    public struct Key: Sendable, Hashable, Comparable {
        public var kind: String
        public var name: String
        /// Empty when the event carried no `environment` label.
        public var environment: String

        public init(kind: String, name: String, environment: String) {
            self.kind = kind
            self.name = name
            self.environment = environment
        }

        public static func < (a: Key, b: Key) -> Bool {
            (a.environment, a.kind, a.name) < (b.environment, b.kind, b.name)
        }
    }

    public struct Span: Sendable, Hashable {
        public var first: Date
        public var last: Date

        public init(first: Date, last: Date) {
            self.first = first
            self.last = last
        }
    }

    public var sightings: [Key: Span] = [:]
    /// Latest complete scan per normalized artifact name (every name a scan goes by).
    public var scans: [String: Date] = [:]

    public init() {}

    public var isEmpty: Bool { sightings.isEmpty && scans.isEmpty }

    /// Records the artifacts (`image`, `host`, `account` labels) of every alert at `receivedAt`,
    /// and the artifacts the report scanned completely at their scan time. Sightings go by
    /// arrival, not event time, so replayed or sample events with old times are not overdue at
    /// once: an artifact's first schedule period runs from when Klaxon learned of it.
    public mutating func add(_ report: DecodedReport, receivedAt: Date, kinds: [String] = CoverageConfig.defaultKinds) {
        // A report's alerts mostly name the same artifact: normalize each spelling once.
        var spellings = Set<Key>()
        for alert in report.alerts {
            let environment = alert.labels["environment"] ?? ""
            for kind in kinds {
                guard let name = alert.labels[kind], !name.isEmpty else { continue }
                spellings.insert(Key(kind: kind, name: name, environment: environment))
            }
        }
        for s in spellings {
            see(Key(kind: s.kind, name: ArtifactName.normalize(s.name, kind: s.kind), environment: s.environment), at: receivedAt)
        }
        var named = Set<String>()
        for s in report.scanned {
            for name in s.names { scanned(name, at: s.at); named.insert(name) }
        }
        for scope in report.scopes where !named.contains(scope) { scanned(scope, at: receivedAt) }
    }

    public mutating func see(_ key: Key, at: Date) {
        if let s = sightings[key] {
            sightings[key] = Span(first: min(s.first, at), last: max(s.last, at))
        } else {
            sightings[key] = Span(first: at, last: at)
        }
    }

    /// A scan names its artifact by digest, name or tag: each is normalized as an image (other
    /// names are left as they are by `ArtifactName`).
    mutating func scanned(_ name: String, at: Date) {
        let n = ArtifactName.normalize(name)
        scans[n] = max(scans[n] ?? at, at)
        // A host or account named plainly must match too; an image spelling gained `:latest`.
        let plain = ArtifactName.normalize(name, kind: "other")
        if plain != n { scans[plain] = max(scans[plain] ?? at, at) }
    }

    public mutating func merge(_ other: CoverageObservations) {
        for (k, s) in other.sightings { see(k, at: s.first); see(k, at: s.last) }
        for (n, at) in other.scans { scans[n] = max(scans[n] ?? at, at) }
    }
}
