/// A node of the routing tree with every option resolved (inherited from its parent when the
/// node does not set it), as Alertmanager's `dispatch.Route` holds it.
///
/// Defaults at the root: `group_by` none (one group per route), `group_wait` 30 s,
/// `group_interval` 5 min, `repeat_interval` 4 h. `mute_time_intervals` and
/// `active_time_intervals` are **not** inherited, exactly as in Alertmanager.
public struct Route: Sendable, Hashable {
    /// Receiver name (inherited).
    public var receiver: String
    /// Conditions an alert must meet to enter this node; sorted in Alertmanager's order.
    public var matchers: [Matcher]
    /// Klaxon: the node only matches alerts at or above this severity (not inherited, but a
    /// child is only reached through its parent).
    public var minSeverity: Severity.Level?
    public var groupBy: GroupBy
    public var groupWait: Duration
    public var groupInterval: Duration
    public var repeatInterval: Duration
    /// Names of time intervals during which notifications from this node are muted.
    public var muteTimeIntervals: [String]
    /// Names of time intervals outside of which notifications from this node are muted.
    public var activeTimeIntervals: [String]
    /// Klaxon: the escalation policy for alerts this node notifies (`escalation:`, inherited).
    public var escalation: String? = nil
    /// Klaxon: runtime alerts this node routes resolve when no report came for this long
    /// (`resolve_timeout:`, inherited). Overrides `lifecycle.resolve_timeout` for its source.
    /// Nil: the per-source value applies.
    public var resolveTimeout: Duration? = nil
    /// `continue`: after this node matches, keep trying its next siblings.
    public var `continue`: Bool
    public var routes: [Route]
    /// Alertmanager's route key: the parent's key, `/`, then this node's matchers (`{}/{a="b"}`).
    /// Not unique in general; it is the prefix of group keys.
    public var key: String
    /// Alertmanager's route ID: the key plus `/` and the index among siblings (unique).
    public var id: String
    /// Where the node was declared, for `routes show` and error messages.
    public var file: String
    public var line: Int

    public static let defaultGroupWait: Duration = .seconds(30)
    public static let defaultGroupInterval: Duration = .seconds(300)
    public static let defaultRepeatInterval: Duration = .seconds(4 * 3600)

    public init(
        receiver: String, matchers: [Matcher] = [], minSeverity: Severity.Level? = nil,
        groupBy: GroupBy = .labels([]), groupWait: Duration = Route.defaultGroupWait,
        groupInterval: Duration = Route.defaultGroupInterval, repeatInterval: Duration = Route.defaultRepeatInterval,
        muteTimeIntervals: [String] = [], activeTimeIntervals: [String] = [], continue: Bool = false,
        routes: [Route] = [], key: String = "{}", id: String = "{}", file: String = "", line: Int = 0
    ) {
        self.receiver = receiver
        self.matchers = matchers
        self.minSeverity = minSeverity
        self.groupBy = groupBy
        self.groupWait = groupWait
        self.groupInterval = groupInterval
        self.repeatInterval = repeatInterval
        self.muteTimeIntervals = muteTimeIntervals
        self.activeTimeIntervals = activeTimeIntervals
        self.continue = `continue`
        self.routes = routes
        self.key = key
        self.id = id
        self.file = file
        self.line = line
    }
}
