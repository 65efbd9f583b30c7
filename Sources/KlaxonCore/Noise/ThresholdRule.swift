/// One entry of `thresholds:` — rate gating and flap damping for the alerts its matchers select.
///
/// Occurrences are counted per key: the alert's fingerprint by default, or the values of the
/// `groupBy` labels. A key notifies once its count within the sliding `window` reaches `count`,
/// and then not again in the same *burst*: a burst ends when the key has been quiet (no
/// occurrence) for a whole `window`. `minInterval` (flap damping) spaces two notifications of
/// the same key by at least that long, whatever the bursts do; and when set, a burst that goes
/// on longer than `minInterval` may notify again for occurrences that want to notify (a reopened
/// alert, a new fingerprint in a `groupBy` key), at most once per `minInterval`. Duplicates of
/// an already notified alert never renotify (dedup).
public struct ThresholdRule: Sendable, Hashable, Codable {
    public var name: String?
    /// Which alerts the rule applies to (ANDed, Alertmanager syntax). The first rule that matches wins.
    public var matchers: [Matcher]
    /// Occurrences needed within `window`; 1 means "notify on the first one". Default 1.
    public var count: Int
    /// The sliding window occurrences are counted in, and the quiet time that ends a burst.
    public var window: Duration
    /// Labels whose values form the key; nil keys by fingerprint.
    public var groupBy: [String]?
    /// Minimum time between two notifications of one key, and the renotify interval within a long
    /// burst; zero (the default): no damping, one notification per burst.
    public var minInterval: Duration
    public var origin: ConfigOrigin?

    public init(name: String? = nil, matchers: [Matcher], count: Int = 1, window: Duration,
                groupBy: [String]? = nil, minInterval: Duration = .zero, origin: ConfigOrigin? = nil) {
        self.name = name
        self.matchers = matchers
        self.count = max(1, count)
        self.window = window
        self.groupBy = groupBy
        self.minInterval = minInterval
        self.origin = origin
    }

    /// Stable identity used to carry tracker state across reloads: the name, else the key path
    /// plus matchers (so an edited rule starts fresh).
    public var identity: String {
        if let name { return "name:" + name }
        return "rule:" + (origin?.keyPath ?? "") + matchers.alertmanagerString
    }

    /// `thresholds[0] 'shell-bursts'` or `thresholds[0]`.
    public var displayName: String {
        let place = origin?.keyPath ?? "threshold"
        return name.map { "\(place) '\($0)'" } ?? place
    }
}
