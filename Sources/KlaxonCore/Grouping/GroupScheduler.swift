import Foundation
import HeapModule

/// Alertmanager's aggregation groups and notification log as a pure state machine on virtual
/// time. The shell inserts alerts (with the routes `Route.match` chose) and calls
/// `advance(to:)` whenever time passes; it gets back the notifications to send, and sleeps
/// until `nextFlushAt`.
///
/// Rules, as in Alertmanager 0.25 (`dispatch.go` and the dedup stage of `notify.go`):
/// - An alert joins the group `GroupKey(route:labels:)` of each route node it matched. Groups
///   are per node, as Alertmanager's dispatcher keeps them per `*Route`: sibling nodes with the
///   same matchers share a group key string but not a group. A new group first flushes after the
///   route's `group_wait` — at once if the alert started more than `group_wait` ago.
/// - After each flush the next one is `group_interval` later, whatever arrives meanwhile.
/// - A flush notifies when some firing alert was not in the last notification, when (with
///   `send_resolved`) some resolved alert was not, when every previously notified alert has
///   resolved, or when nothing changed but `repeat_interval` has passed (strictly).
/// - Resolved alerts leave the group after the flush that saw them; an empty group is removed.
/// - A flush while the route is muted by its time intervals sends nothing and logs nothing.
/// - Klaxon: for a receiver in `sendResolvedWhenSilenced`, an alert it was notified of stays in
///   its log while a silence or inhibition mutes it, and when it resolves muted its resolved
///   notification is sent anyway (closing the incident the firing one opened).
///
/// Not modelled: Alertmanager's 30 s garbage collection delay for empty groups.
public struct GroupScheduler: Sendable {
    /// A group's identity: the route node it belongs to and its key.
    struct GroupID: Sendable, Hashable, Comparable {
        /// The node: its Alertmanager ID, receiver and declaration site (the ID alone repeats
        /// for nodes with identical matchers under identical parents).
        var node: String
        var key: GroupKey

        init(route: Route, key: GroupKey) {
            node = "\(route.id)\u{0}\(route.receiver)\u{0}\(route.file):\(route.line)"
            self.key = key
        }

        static func < (a: GroupID, b: GroupID) -> Bool { (a.key, a.node) < (b.key, b.node) }
    }

    struct Group: Sendable {
        var id: GroupID
        var key: GroupKey
        var route: Route
        var groupLabels: [String: String]
        /// Keyed by fingerprint, holding only the times: 24 bytes a bucket where a
        /// `[Fingerprint: GroupedAlert]` took 40 (issue #8).
        var alerts: [Fingerprint: Times]
        var nextFlush: Date
        var hasFlushed: Bool
    }

    /// A grouped alert's times as stored in its group (NaN: not resolved).
    struct Times: Sendable, Hashable {
        var startsAt: Double
        var resolvedAt: Double

        init(_ a: GroupedAlert) {
            startsAt = a.startsAt.timeIntervalSinceReferenceDate
            resolvedAt = a.resolvedAt?.timeIntervalSinceReferenceDate ?? .nan
        }

        func alert(_ fingerprint: Fingerprint) -> GroupedAlert {
            GroupedAlert(
                fingerprint: fingerprint, startsAt: Date(timeIntervalSinceReferenceDate: startsAt),
                resolvedAt: resolvedAt.isNaN ? nil : Date(timeIntervalSinceReferenceDate: resolvedAt))
        }
    }

    /// What was last notified to one receiver for one group (Alertmanager's nflog entry).
    public struct LogEntry: Sendable, Hashable, Codable {
        public var firing: Set<Fingerprint>
        public var resolved: Set<Fingerprint>
        public var at: Date

        public init(firing: Set<Fingerprint>, resolved: Set<Fingerprint>, at: Date) {
            self.firing = firing
            self.resolved = resolved
            self.at = at
        }
    }

    /// A group's pending flush. The heap keeps one per deadline a group was given; an entry
    /// whose group has since moved its deadline (or gone) is stale and skipped when popped,
    /// so finding what is due costs O(log groups) instead of a scan of every group.
    struct Deadline: Sendable, Comparable {
        var at: Date
        var id: GroupID
        static func < (a: Deadline, b: Deadline) -> Bool { (a.at, a.id) < (b.at, b.id) }
    }

    private var groups: [GroupID: Group] = [:]
    private var deadlines = Heap<Deadline>()
    /// Groups that have not flushed yet (their first notification is pending).
    private var unflushedCount = 0
    /// Groups with alerts added or changed since their last flush: the ones whose next flush
    /// may notify. None means every change has been through a flush.
    private var changedGroups: Set<GroupID> = []
    /// The notification log, keyed by `GroupNotification.logKey`. The shell persists it with
    /// each flush and seeds it on start, so a restart does not notify again what was sent.
    public var log: [String: LogEntry] = [:]
    /// Log keys written since the last `takeChangedLog()`, so the shell persists only those
    /// (comparing the whole log after each flush cost a copy of it per flush).
    private var changedLogKeys: Set<String> = []
    /// Per receiver name: whether resolved alerts are included in notifications (default true).
    public var sendResolved: [String: Bool]
    /// Named time intervals for the routes' `mute_time_intervals` / `active_time_intervals`.
    public var timeIntervals: [String: NamedTimeInterval]
    /// Receivers with `send_resolved_when_silenced: true` (default none).
    public var sendResolvedWhenSilenced: Set<String>

    public init(
        sendResolved: [String: Bool] = [:], timeIntervals: [String: NamedTimeInterval] = [:], sendResolvedWhenSilenced: Set<String> = []
    ) {
        self.sendResolved = sendResolved
        self.timeIntervals = timeIntervals
        self.sendResolvedWhenSilenced = sendResolvedWhenSilenced
    }

    /// A scheduler for a configuration: a receiver sends resolved notifications when any of its
    /// integrations does (each integration filters again on its own `send_resolved`).
    public init(config: RoutingConfig) {
        var sr: [String: Bool] = [:]
        for r in config.receivers {
            let flags = r.webhookConfigs.map(\.sendResolved) + r.fileConfigs.map(\.sendResolved)
                + r.kafkaConfigs.map(\.sendResolved) + r.snsConfigs.map(\.sendResolved)
                + r.pagerdutyConfigs.map(\.sendResolved) + r.slackConfigs.map(\.sendResolved)
            sr[r.name] = flags.isEmpty || flags.contains(true)
        }
        self.init(
            sendResolved: sr, timeIntervals: config.timeIntervalsByName,
            sendResolvedWhenSilenced: Set(config.receivers.filter(\.sendResolvedWhenSilenced).map(\.name)))
    }

    /// The log entries written since the last call, and forgets them.
    public mutating func takeChangedLog() -> [String: LogEntry] {
        defer { changedLogKeys = [] }
        var out: [String: LogEntry] = [:]
        for key in changedLogKeys { out[key] = log[key] }
        return out
    }

    /// Whether some group has alerts that were never flushed (its first notification is due).
    public var hasUnflushedGroups: Bool { unflushedCount > 0 }

    /// Number of groups with changes their next flush has yet to look at.
    public var changedGroupCount: Int { changedGroups.count }

    /// The earliest pending flush, if any group exists.
    public var nextFlushAt: Date? {
        mutating get {
            dropStaleDeadlines()
            return deadlines.min?.at
        }
    }

    /// Pops heap entries that no longer match their group's deadline.
    private mutating func dropStaleDeadlines() {
        while let top = deadlines.min, groups[top.id]?.nextFlush != top.at { _ = deadlines.popMin() }
    }

    /// Keys of the current groups, sorted (a key shared by sibling nodes appears once).
    public var groupKeys: [GroupKey] { Set(groups.keys.map(\.key)).sorted() }

    /// The alerts currently held by the groups with this key, sorted by fingerprint.
    public func alerts(in key: GroupKey) -> [GroupedAlert] {
        var all: [Fingerprint: GroupedAlert] = [:]
        for (id, g) in groups where id.key == key {
            for (fp, times) in g.alerts where all[fp] == nil { all[fp] = times.alert(fp) }
        }
        return all.values.sorted { $0.fingerprint < $1.fingerprint }
    }

    /// Number of groups (one per route node and key).
    public var groupCount: Int { groups.count }

    /// Adds (or updates, by fingerprint) an alert in the group of each route; `labels` choose
    /// the group and are not kept. Sends nothing; call `advance(to:)` afterwards. Call
    /// `advance(to: now)` before inserting at `now` so that earlier deadlines are flushed first.
    public mutating func insert(_ alert: GroupedAlert, labels: [String: String], routes: [Route], at now: Date) {
        let times = Times(alert)
        for route in routes {
            let key = GroupKey(route: route, labels: labels)
            let id = GroupID(route: route, key: key)
            if groups[id] == nil {
                groups[id] = Group(
                    id: id, key: key, route: route, groupLabels: route.groupBy.groupLabels(of: labels), alerts: [:],
                    nextFlush: now.addingTimeInterval(route.groupWait.timeInterval), hasFlushed: false)
                unflushedCount += 1
                deadlines.insert(Deadline(at: groups[id]!.nextFlush, id: id))
            }
            // Mutated in place: a copy of the group held beside the dictionary's own would copy
            // its whole alert table at every insert.
            groups[id]!.alerts[alert.fingerprint] = times
            let group = groups[id]!
            if !group.hasFlushed, alert.startsAt.addingTimeInterval(route.groupWait.timeInterval) < now, now < group.nextFlush {
                groups[id]!.nextFlush = now
                deadlines.insert(Deadline(at: now, id: id))
            }
            changedGroups.insert(id)
        }
    }

    /// Takes alerts out of every group without notifying anything: another instance's grouping
    /// has them now (their partition moved). A group left empty goes; the log stays, so a group
    /// given back does not notify again what it sent.
    /// - Returns: how many alerts left some group.
    @discardableResult
    public mutating func remove(where leaves: (Fingerprint) -> Bool) -> Int {
        remove { _, fp in leaves(fp) }
    }

    /// `remove(where:)` asking per group key too: the groups whose key's partition moved give
    /// up their alerts (issue #14, step 4).
    @discardableResult
    public mutating func remove(where leaves: (GroupKey, Fingerprint) -> Bool) -> Int {
        var removed = 0
        for id in Array(groups.keys) where groups[id]!.alerts.keys.contains(where: { leaves(id.key, $0) }) {
            let before = groups[id]!.alerts.count
            groups[id]!.alerts = groups[id]!.alerts.filter { !leaves(id.key, $0.key) }
            removed += before - groups[id]!.alerts.count
            guard groups[id]!.alerts.isEmpty else { continue }
            if !groups[id]!.hasFlushed { unflushedCount -= 1 }
            changedGroups.remove(id)
            // Its heap entry is stale now and is dropped when it comes up.
            groups[id] = nil
        }
        return removed
    }

    /// The alerts of every group due by `now`: those `advance(to: now)` will ask `isMuted`
    /// about, so the shell can read their labels in one go. O(due groups · log groups).
    public mutating func dueAlerts(at now: Date) -> Set<Fingerprint> {
        var popped: [Deadline] = []
        var out: Set<Fingerprint> = []
        while let top = deadlines.min, top.at <= now {
            popped.append(deadlines.removeMin())
            if let group = groups[top.id], group.nextFlush == top.at { out.formUnion(group.alerts.keys) }
        }
        for d in popped { deadlines.insert(d) }
        return out
    }

    /// Runs every flush due up to `now`, in deadline order (ties by group key), each at its own
    /// deadline. `isMuted` is asked for each alert at each flush (silences, inhibition).
    public mutating func advance(to now: Date, isMuted: (GroupedAlert, Date) -> Bool = { _, _ in false }) -> [GroupNotification] {
        var out: [GroupNotification] = []
        // Deadline order: a flush schedules the group's next one, which is handled in turn if
        // it is due too. Groups are independent, so the output is sorted by time (then key).
        while true {
            dropStaleDeadlines()
            guard let due = deadlines.min, due.at <= now else { break }
            _ = deadlines.popMin()
            if let n = flush(due.id, at: due.at, isMuted: isMuted) { out.append(n) }
        }
        return out.sorted { ($0.at, $0.groupKey, $0.routeID, $0.receiver) < ($1.at, $1.groupKey, $1.routeID, $1.receiver) }
    }

    private mutating func flush(_ id: GroupID, at t: Date, isMuted: (GroupedAlert, Date) -> Bool) -> GroupNotification? {
        guard var group = groups.removeValue(forKey: id) else { return nil }
        group.nextFlush = t.addingTimeInterval(group.route.groupInterval.timeInterval)
        if !group.hasFlushed { unflushedCount -= 1 }
        changedGroups.remove(id)
        group.hasFlushed = true
        let all = group.alerts.map { $0.value.alert($0.key) }.sorted { $0.fingerprint < $1.fingerprint }
        var notification: GroupNotification?
        if !group.route.isMuted(at: t, intervals: timeIntervals) {
            let closes = sendResolvedWhenSilenced.contains(group.route.receiver)
            let notified = closes ? log[GroupNotification.logKey(group: group.key, receiver: group.route.receiver)]?.firing ?? [] : []
            var shown: [GroupedAlert] = []
            // Muted alerts the receiver was told of (only with send_resolved_when_silenced):
            // still firing, they stay in the log; resolved, they are shown to close the incident.
            var held: Set<Fingerprint> = []
            for a in all {
                if !isMuted(a, t) {
                    shown.append(a)
                } else if notified.contains(a.fingerprint) {
                    if a.isResolved(at: t) { shown.append(a) } else { held.insert(a.fingerprint) }
                }
            }
            let firing = shown.filter { !$0.isResolved(at: t) }
            let resolved = shown.filter { $0.isResolved(at: t) }
            notification = notify(group, firing: firing, resolved: resolved, held: held, at: t)
        }
        for a in all where a.isResolved(at: t) { group.alerts[a.fingerprint] = nil }
        if group.alerts.isEmpty {
            groups[id] = nil
        } else {
            groups[id] = group
            deadlines.insert(Deadline(at: group.nextFlush, id: id))
        }
        return notification
    }

    /// - Parameter held: muted firing alerts kept in the log (counted as firing for the decision, not sent).
    private mutating func notify(
        _ group: Group, firing: [GroupedAlert], resolved: [GroupedAlert], held: Set<Fingerprint> = [], at t: Date
    ) -> GroupNotification? {
        let receiver = group.route.receiver
        let logKey = GroupNotification.logKey(group: group.key, receiver: receiver)
        let firingSet = Set(firing.map(\.fingerprint)).union(held)
        let resolvedSet = Set(resolved.map(\.fingerprint))
        let sendsResolved = sendResolved[receiver] ?? true
        let entry = log[logKey]
        let reason: GroupNotification.Reason
        if let entry {
            if !firingSet.isSubset(of: entry.firing) {
                reason = .changed
            } else if firingSet.isEmpty {
                guard !entry.firing.isEmpty else { return nil }
                reason = .allResolved
            } else if sendsResolved && !resolvedSet.isSubset(of: entry.resolved) {
                reason = .changed
            } else if entry.at < t.addingTimeInterval(-group.route.repeatInterval.timeInterval) {
                reason = .repeated
            } else {
                return nil
            }
        } else {
            guard !firingSet.isEmpty else { return nil }
            reason = .initial
        }
        log[logKey] = LogEntry(firing: firingSet, resolved: resolvedSet, at: t)
        changedLogKeys.insert(logKey)
        let sentResolved = sendsResolved ? resolved : []
        if firing.isEmpty && sentResolved.isEmpty { return nil }
        var newAlerts = Set(firing.map(\.fingerprint)).union(sentResolved.map(\.fingerprint))
        if let entry {
            newAlerts = Set(firing.lazy.map(\.fingerprint).filter { !entry.firing.contains($0) })
                .union(sentResolved.lazy.map(\.fingerprint).filter { !entry.resolved.contains($0) })
        }
        return GroupNotification(groupKey: group.key, receiver: receiver, routeID: group.route.id,
                                 groupLabels: group.groupLabels, firing: firing, resolved: sentResolved,
                                 at: t, reason: reason, newAlerts: newAlerts)
    }
}

extension Duration {
    /// The duration in (fractional) seconds, for `Date` arithmetic.
    fileprivate var timeInterval: TimeInterval {
        let c = components
        return TimeInterval(c.seconds) + TimeInterval(c.attoseconds) / 1e18
    }
}
