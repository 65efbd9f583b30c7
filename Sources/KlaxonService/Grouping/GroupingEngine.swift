import Foundation
import KlaxonCore
import KlaxonStore
import Logging
import Metrics

/// The shell around `GroupScheduler`: feeds it the alerts whose state changed, flushes due
/// groups into the outbox (one row per integration) together with the notification log, and
/// rebuilds itself from SQLite on start — so nothing pending is lost and nothing already sent
/// is sent again after a restart.
actor GroupingEngine {
    private var scheduler: GroupScheduler
    private var routing: RoutingConfig
    private var integrations: [String: [Integration]]
    private let store: AlertStore
    private let logger: Logger
    private let silences: SilenceStore
    private let noise: NoiseGate
    /// The silences as last read from `silences` (its owner), and that snapshot's version.
    private var silencer = Silencer(silences: [])
    private var silencerVersion = -1
    /// The inhibitor over the firing alerts the groups hold, built on first use after an insert
    /// or a reload (a flush only lets resolved alerts go, which never inhibit), so it is not
    /// rebuilt for each flush and each batch's mute count.
    private var inhibitorCache: Inhibitor??
    /// Labels of the firing grouped alerts that match some inhibition rule's source side: all
    /// the inhibitor needs. Groups keep no labels (#8), so these are kept here, and only these.
    private var inhibitionSources: [Fingerprint: [String: String]] = [:]
    /// The same, as the state changelog shows every instance's alerts (`ChangelogFeed`):
    /// a source owned by another instance mutes targets grouped here. An alert grouping holds
    /// is known first by `inhibitionSources`; a resolution it hears removes the entry here too.
    private var changelogSources: [Fingerprint: [String: String]] = [:]
    /// About how many notified alerts one flush transaction carries (default 5,000).
    private let sliceAlerts: Int
    /// The `klaxon.alerts` partitions this instance owns, once the state stage said (`own`);
    /// nil until then — every group, as on one instance. A partition's number names both the
    /// alerts whose state this instance keeps and the groups it notifies: a group lives on
    /// the partition of its key (`StatePartitioner.partition(ofGroup:)`), whatever partitions
    /// its alerts are on, so a group whose alerts two instances own is one notification.
    private var owned: (partitions: Set<Int32>, partitioner: StatePartitioner)?
    /// Klaxon's own alerts (`ScanOverdue`): each instance raises them from what it saw, so they
    /// stay with the instance that grouped them whatever partition their fingerprint or group names.
    private var unpartitioned: Set<Fingerprint> = []
    /// The alerts of partitions other instances own, as the state changelog last showed them
    /// (`takeChangelogAlerts`): their groups may be this instance's, and a flush needs their
    /// content, which this store does not keep up to date. An entry is never older than this
    /// store's copy: the feed hands over only partitions the state stage does not own, and
    /// `own` drops those it takes. (Asking grouping's own view of ownership instead, which lags
    /// a rebalance, read the content of an alert the store never had: `RollingRestartTests`
    /// saw it sent without labels.)
    private var remote: [Fingerprint: AlertState] = [:]
    /// How many alerts `remote` keeps (memory the other instances' alerts cost here).
    var remoteCount: Int { remote.count }
    private func recordRemoteGauge() { Gauge(label: "klaxon_grouping_remote_alerts").record(remote.count) }
    /// When `remote` last let go of alerts resolved longer than `resolvedKept` ago.
    private var remotePrunedAt = Date.distantPast
    /// Whether the first flush waits for the state stage's word on ownership and for the
    /// changelog reader to have read the partitions other instances own (`klaxon run`): a
    /// group flushed before holds only this instance's alerts. Direct users flush at once.
    private let awaitsOwnership: Bool
    /// The changelog partitions the reader has read to their end as of its start.
    private var feedReached: Set<Int32> = []
    /// When a flush was first due while waiting; after `ownershipWait` it flushes anyway.
    private var waitingSince: Date?
    private var flushesAllowed = false
    static let ownershipWait: TimeInterval = 30

    init(
        routing: RoutingConfig, integrations: [String: [Integration]], store: AlertStore, silences: SilenceStore,
        noise: NoiseGate, logger: Logger, sliceAlerts: Int = 5_000, awaitsOwnership: Bool = false
    ) {
        self.awaitsOwnership = awaitsOwnership
        self.sliceAlerts = sliceAlerts
        self.noise = noise
        self.scheduler = GroupScheduler(config: routing)
        self.routing = routing
        self.integrations = integrations
        self.store = store
        self.silences = silences
        self.logger = logger
    }

    /// Seeds the notification log and re-inserts active alerts (and those resolved within the
    /// last day, whose resolved notification may not have gone out).
    func restore(now: Date) throws {
        scheduler.log = try store.notificationLog()
        let snapshot = try silences.snapshot()
        (silencer, silencerVersion) = (Silencer(silences: snapshot.silences), snapshot.version)
        let active = try store.activeStates(resolvedSince: Self.recentSince(now))
        insert(active, now: now)
        restoredFromStore = true
        recordGroupGauges()
        // Resolutions whose escalation follow-ups a crash may have cut off (keys make it a no-op otherwise).
        closeEscalations(active.filter { $0.status == .resolved })
        logger.info("grouping restored", metadata: ["alerts": "\(active.count)", "log": "\(scheduler.log.count)"])
    }

    /// Takes what a restore read of another instance's notification log (merged with this
    /// store's): an alert it notified firing gets its resolution sent from here, and a group
    /// it notified is not notified again for the same alerts. Written by the restore already.
    func takeRestoredLog(_ entries: [String: GroupScheduler.LogEntry]) {
        for (key, entry) in entries {
            scheduler.log[key] = scheduler.log[key].map { NotificationLogRecord.merge($0, entry) } ?? entry
        }
    }

    /// How long a resolved alert stays in its groups: its resolved notification may still be due.
    static let resolvedKept: TimeInterval = 86_400

    static func recentSince(_ now: Date) -> Date { now.addingTimeInterval(-resolvedKept) }

    /// Active, or resolved within `resolvedKept`: an alert groups hold.
    static func isRecent(_ state: AlertState, now: Date) -> Bool {
        state.status != .resolved || (state.resolvedAt ?? .distantPast) >= recentSince(now)
    }

    /// Set by `restore`: the store's alerts are in their groups, so the first `own` adds only
    /// the reader's.
    private var restoredFromStore = false

    /// Whether this store keeps the alert's state up to date: its partition is owned here (or
    /// ownership is not known yet), or it is Klaxon's own. A partition that moved away leaves
    /// its alerts in the store (one file), stale; the changelog shows them as they are.
    private func holds(_ state: AlertState) -> Bool {
        guard let owned else { return true }
        return owned.partitions.contains(owned.partitioner.partition(of: state.alert.fingerprint)) || state.alert.source == ScanOverdueAlert.source
    }

    /// Whether the group with this key is notified from here: its partition is owned (or
    /// ownership is not known yet).
    private func ownsGroup(_ key: GroupKey) -> Bool {
        guard let owned, owned.partitions.count < owned.partitioner.partitions else { return true }
        return owned.partitions.contains(owned.partitioner.partition(ofGroup: key))
    }

    /// The state stage's word on which `klaxon.alerts` partitions this instance owns, after a
    /// restore. Groups whose key's partition is no longer owned go without a notification (the
    /// new owner groups them, with the notification log it restored). The alerts of groups
    /// newly owned join them: this store's alerts of owned partitions (`adopting` brings
    /// those the restore wrote) and the changelog's alerts of the others, so the new owner
    /// repeats them and a group's next notification lists them. Nothing is sent for an
    /// adopted alert the log shows notified already.
    func own(_ partitions: Set<Int32>, partitioner: StatePartitioner, adopting: [AlertState], now: Date) throws {
        let before = owned?.partitions
        owned = (partitions, partitioner)
        let released = scheduler.remove { key, fp in !unpartitioned.contains(fp) && !ownsGroup(key) }
        // The store has these now; what the reader showed of them is older.
        remote = remote.filter { !partitions.contains(partitioner.partition(of: $0.key)) }
        recordRemoteGauge()
        var joining = adopting  // read with `recentSince` by the state stage
        if before == nil, restoredFromStore {
            // The restore put every store alert in its groups already; only the reader's are new.
            joining += remoteOthers(now: now).values
        } else if before == nil || !partitions.subtracting(before ?? []).isEmpty {
            let known = try knownAlerts(now: now)
            joining = known.held + known.others
        }
        insert(joining.filter(holds), now: now)
        insert(joining.filter { !holds($0) }, now: now, sources: false)
        closeEscalations(adopting.filter { holds($0) && $0.status == .resolved })
        if released > 0 || !joining.isEmpty || before != partitions {
            logger.info("grouping follows the partitions owned", metadata: [
                "partitions": "\(partitions.sorted().map(String.init).joined(separator: ","))", "released": "\(released)",
                "adopted": "\(joining.count)",
            ])
            recordGroupGauges()
            doorbell.ring()
        }
    }

    /// Every alert a group here may hold, active or resolved within a day: this store's of the
    /// partitions owned (`held`), and the others' (`others`) — as the changelog showed them,
    /// else as this store last had them. The feed skips the records of partitions while this
    /// instance owns them, so an alert of a partition it gave away is in the store only until
    /// its new owner changes it; leaving the store out lost such alerts from groups taken over
    /// afterwards (found by `RollingRestartTests`).
    private func knownAlerts(now: Date) throws -> (held: [AlertState], others: [AlertState]) {
        var held: [AlertState] = []
        var others = remoteOthers(now: now)
        for s in try store.activeStates(resolvedSince: Self.recentSince(now)) {
            if holds(s) {
                held.append(s)
            } else if others[s.alert.fingerprint] == nil {
                others[s.alert.fingerprint] = s
            }
        }
        return (held, Array(others.values))
    }

    /// The reader's alerts a group here may hold: of partitions not held here, recent.
    private func remoteOthers(now: Date) -> [Fingerprint: AlertState] {
        remote.filter { !holds($0.value) && Self.isRecent($0.value, now: now) }
    }

    /// Takes in the state changelog's alerts of partitions other instances own (the feed
    /// leaves out those the state stage owns, whose changes reach grouping directly): an
    /// admitted alert whose grouping times changed (new, resolved, reopened) joins the groups
    /// of its routes this instance owns, as the owner's own changes would; its content is kept
    /// for flushes. Before ownership is known they are kept only (`own` adds them).
    func takeChangelogAlerts(_ records: [AlertChangelogRecord], now: Date) {
        takeChangelogSources(records)
        var last: [Fingerprint: AlertChangelogRecord] = [:]
        var ackedBy: [Fingerprint: String] = [:]
        for r in records {
            last[r.fingerprint] = r
            if let by = r.acknowledgedBy { ackedBy[r.fingerprint] = by }
        }
        var changed: [AlertState] = []
        var acknowledged: [(AlertState, String)] = []
        for (fp, r) in last {
            guard r.admitted, Self.isRecent(r.state, now: now), !acceptingRoutes(r.state.alert).isEmpty else {
                remote[fp] = nil
                continue
            }
            let previous = remote.updateValue(r.state, forKey: fp)
            guard owned != nil else { continue }
            if r.state.status == .acknowledged, previous?.status != .acknowledged {
                acknowledged.append((r.state, ackedBy[fp] ?? ""))
            }
            if let p = previous, p.firstSeenAt == r.state.firstSeenAt, (p.status == .resolved) == (r.state.status == .resolved),
                p.resolvedAt == r.state.resolvedAt
            {
                continue
            }
            changed.append(r.state)
        }
        queueAcknowledgements(acknowledged, now: now)
        recordRemoteGauge()
        guard !changed.isEmpty else { return }
        insert(changed, now: now, sources: false)
        recordGroupGauges()
        doorbell.ring()
    }

    /// Follow-ups queued outside a flush since the last one (the flush loop wakes delivery).
    private var queuedOutside = 0

    /// The acknowledgement follow-ups of other instances' alerts, for the groups notified from
    /// here: the alert's owner holds no row of them to follow up.
    private func queueAcknowledgements(_ acknowledged: [(AlertState, String)], now: Date) {
        guard !acknowledged.isEmpty else { return }
        let routing = FollowUpRouting(integrations)
        for (state, by) in acknowledged {
            do {
                queuedOutside += try store.queueAcknowledgementFollowUps(state, by: by, routing: routing, at: now)
            } catch {
                logger.error("cannot queue the acknowledgement of \(state.alert.fingerprint) for the groups notified here: \(error)")
            }
        }
        if queuedOutside > 0 { doorbell.ring() }
    }

    /// The changelog reader's progress: partitions read to their end as of its start.
    func feedReached(_ partitions: Set<Int32>) { feedReached.formUnion(partitions) }

    /// Whether flushes may run: at once for direct users; for `klaxon run` once the state stage
    /// said what it owns and the reader has read every partition it does not own (or after
    /// `ownershipWait`, with a warning: a reader that cannot read is no reason to send nothing).
    private func mayFlush(now: Date) -> Bool {
        if flushesAllowed || !awaitsOwnership { return true }
        if let owned {
            let others = Set(0..<owned.partitioner.partitions).subtracting(owned.partitions)
            if others.isSubset(of: feedReached) {
                flushesAllowed = true
                return true
            }
        }
        let since = waitingSince ?? now
        waitingSince = since
        guard now.timeIntervalSince(since) >= Self.ownershipWait else { return false }
        logger.warning("grouping flushes without knowing every other instance's alerts yet", metadata: [
            "owned": "\(owned.map { $0.partitions.sorted().map(String.init).joined(separator: ",") } ?? "not known")",
            "read to the end": "\(feedReached.sorted().map(String.init).joined(separator: ","))",
        ])
        flushesAllowed = true
        return true
    }

    /// Switches to a new routing config: groups are rebuilt from the alerts in the store (as
    /// Alertmanager rebuilds its dispatcher), the notification log is kept.
    /// The store is read first: if that fails, the old routing and groups stay as they were.
    func reload(routing: RoutingConfig, integrations: [String: [Integration]], now: Date) throws {
        let (active, others) = try knownAlerts(now: now)
        let log = scheduler.log
        self.routing = routing
        self.integrations = integrations
        scheduler = GroupScheduler(config: routing)
        scheduler.log = log
        inhibitorCache = nil
        inhibitionSources = [:]
        // Kept where the new rules still take them as sources; the feed reads the changelog
        // again for the alerts they take now.
        changelogSources = changelogSources.filter { isInhibitionSource($0.value) }
        inhibitionGeneration += 1
        insert(active, now: now)
        insert(others, now: now, sources: false)
        recordGroupGauges()
    }

    /// The routes `alert` matches whose receiver's `min_severity` takes it: the groups it joins.
    private func acceptingRoutes(_ alert: Alert) -> [Route] {
        routing.tree.match(alert).filter { routing.receiver(named: $0.receiver)?.accepts(alert.severity.level) ?? false }
    }

    /// Whether some inhibit rule's source side matches `labels` under the routing in force.
    private func isInhibitionSource(_ labels: [String: String]) -> Bool {
        routing.inhibitRules.contains { $0.sourceMatchers.matches(labels) }
    }

    /// Counts reloads: the feed reads the changelog again from its beginning when it moves.
    private(set) var inhibitionGeneration = 0

    /// Whether the changelog's alerts are wanted: while there are inhibit rules, and always
    /// under `klaxon run`, whose groups may hold other instances' alerts. The feed decodes
    /// only records of partitions the state stage does not own, so one instance that owns
    /// them all decodes nothing; asking grouping's own view instead lost records written in
    /// a rebalance before grouping heard of it (found by `RollingRestartTests`).
    var wantsChangelogAlerts: Bool { !routing.inhibitRules.isEmpty || awaitsOwnership }

    /// Takes in the state changelog's alerts of partitions other instances own: an admitted,
    /// unresolved alert that can inhibit (a route takes it, some rule's source side matches it)
    /// is a source; any other record of the alert ends it — also as a source among grouping's
    /// own alerts, a copy kept from when this instance owned it (its owner's record is newer).
    func takeChangelogSources(_ records: [AlertChangelogRecord]) {
        guard !routing.inhibitRules.isEmpty else { return }
        var changed = false
        for r in records {
            let alert = r.state.alert
            var labels: [String: String]?
            if r.admitted, r.state.status != .resolved, isInhibitionSource(alert.labels), !acceptingRoutes(alert).isEmpty {
                labels = alert.labels
            }
            if changelogSources[r.fingerprint] != labels {
                changelogSources[r.fingerprint] = labels
                changed = true
            }
            if labels == nil, inhibitionSources.removeValue(forKey: r.fingerprint) != nil { changed = true }
        }
        if changed {
            inhibitorCache = nil
            Gauge(label: "klaxon_inhibition_changelog_sources").record(changelogSources.count)
        }
    }

    /// The silences in force: the store's snapshot, rebuilt into a `Silencer` only when its
    /// version changed (a silence made or expired through the API, or ended with its alert).
    /// A failed read keeps the last one and says so.
    private func currentSilencer() -> Silencer {
        do {
            let snapshot = try silences.snapshot()
            if snapshot.version != silencerVersion {
                silencer = Silencer(silences: snapshot.silences)
                silencerVersion = snapshot.version
            }
        } catch {
            logger.error("cannot read silences; the last ones read stay in force: \(error)")
        }
        return silencer
    }

    /// Adds alerts that opened, reopened or resolved to the groups of the routes they match
    /// (routes whose receiver's `min_severity` refuses the alert are left out). Newly firing
    /// alerts that a silence or an inhibition mutes are counted; `on-resolve` silences of
    /// alerts that resolved end now.
    func add(_ changes: [AlertState], now: Date) {
        // What grouping hears is newer than what the changelog reader has read so far.
        for c in changes where c.status == .resolved && changelogSources.removeValue(forKey: c.alert.fingerprint) != nil {
            inhibitorCache = nil
            Gauge(label: "klaxon_inhibition_changelog_sources").record(changelogSources.count)
        }
        endOnResolveSilences(changes.filter { $0.status == .resolved }, now: now)
        insert(changes, now: now)
        closeEscalations(changes.filter { $0.status == .resolved })
        // After inserting, so an alert is inhibited by a source that arrived in the same batch.
        countMuted(changes.filter { $0.status != .resolved }, now: now)
        if !changes.isEmpty {
            recordGroupGauges()
            doorbell.ring()
        }
    }

    /// Alertmanager's `alertmanager_dispatcher_aggregation_groups`, and how many groups hold
    /// changes not yet flushed (0 means everything received has been through a flush).
    private func recordGroupGauges() {
        Gauge(label: "klaxon_aggregation_groups").record(scheduler.groupCount)
        Gauge(label: "klaxon_aggregation_groups_changed").record(scheduler.changedGroupCount)
    }

    /// Adds alerts to the groups of their routes that this instance owns. `sources`: whether
    /// they count among grouping's own inhibition sources (alerts this store keeps; the
    /// changelog's are `changelogSources`).
    private func insert(_ changes: [AlertState], now: Date, sources: Bool = true) {
        for state in changes {
            let alert = state.alert
            var routes = acceptingRoutes(alert)
            guard !routes.isEmpty else { continue }
            if alert.source == ScanOverdueAlert.source {
                unpartitioned.insert(alert.fingerprint)
            } else if let owned, owned.partitions.count < owned.partitioner.partitions {
                routes = routes.filter { ownsGroup(GroupKey(route: $0, labels: alert.labels)) }
            }
            let grouped = GroupedAlert(
                fingerprint: alert.fingerprint, startsAt: state.firstSeenAt,
                resolvedAt: state.status == .resolved ? state.resolvedAt : nil)
            if !routes.isEmpty { scheduler.insert(grouped, labels: alert.labels, routes: routes, at: now) }
            guard sources else { continue }
            let isSource = grouped.resolvedAt == nil && isInhibitionSource(alert.labels)
            inhibitionSources[alert.fingerprint] = isSource ? alert.labels : nil
            inhibitorCache = nil
        }
    }

    /// True when no group waits for its first notification, nor a flush for its write.
    var isIdle: Bool { !scheduler.hasUnflushedGroups && !writing }

    /// A flush's notifications are decided and their write is under way.
    private var writing = false

    /// When the earliest group is due (nil while flushes wait for ownership: the loop ticks).
    var nextFlushAt: Date? { flushesAllowed || !awaitsOwnership ? scheduler.nextFlushAt : nil }

    /// Rung when alerts are added, so the flush loop looks at new deadlines at once.
    nonisolated let doorbell = Doorbell()

    /// Where the flush's SQLite reads and writes run: off the cooperative pool, so a flush that
    /// writes (or waits for the ingest write) holds none of its threads.
    private let io = OffPool("klaxon.grouping.flush")

    /// Runs the flushes due at `now` and queues their notifications durably. The decisions are
    /// made on the actor; reads and writes run on `io`, and alerts added meanwhile wait for the
    /// next flush.
    /// - Returns: outbox rows added.
    func flush(now: Date) async throws -> Int {
        pruneRemote(now: now)
        let outside = queuedOutside
        queuedOutside = 0
        guard let next = scheduler.nextFlushAt, next <= now, mayFlush(now: now) else { return outside }
        let silencer = currentSilencer()
        let inhibitor = makeInhibitor()
        let noise = self.noise
        // Groups keep no labels: when a silence or an inhibition rule could mute, the due
        // groups' alerts are read from the store first, and their content serves the payloads.
        // (A silence expired at the earliest due deadline mutes none of these flushes.)
        let mayMute = inhibitor != nil || silencer.silences.contains { $0.state(at: next) != .expired }
        // Alerts of other instances' partitions: the changelog's content, not this store's.
        let remoteStates = remote.isEmpty ? [:] : remoteContents(scheduler.dueAlerts(at: now))
        var states: [Fingerprint: AlertState]
        if mayMute { states = try await dueContents(at: now, known: remoteStates) } else { states = remoteStates }
        let notifications = scheduler.advance(to: now) { alert, t in
            if noise.isFalsePositive(alert.fingerprint) { return true }
            guard let labels = states[alert.fingerprint]?.alert.labels else { return false }
            return silencer.mutes(labels, at: t) || (inhibitor?.mutes(labels, at: t) ?? false)
        }
        let changedLog = scheduler.takeChangedLog()
        var added = 0
        let (store, integrations) = (self.store, self.integrations)
        writing = true
        defer { writing = false }
        // Alerts due after an insert during the reads above come with their own content.
        if !remote.isEmpty {
            for n in notifications {
                for a in n.firing + n.resolved where states[a.fingerprint] == nil { states[a.fingerprint] = remote[a.fingerprint] }
            }
        }
        let remoteFingerprints = remote.isEmpty ? [] : Set(states.keys.filter { remote[$0] != nil })
        let contents = states
        var told: Set<Fingerprint> = []
        for slice in Self.slices(notifications, log: changedLog, sliceAlerts: sliceAlerts) {
            let notices = Self.ownerNotices(slice.notifications, remote: remoteFingerprints, integrations: integrations, told: &told, at: now)
            added += try await io.run {
                try Self.write(
                    slice.notifications, log: slice.log, states: contents, remote: remoteFingerprints, notices: notices,
                    integrations: integrations, store: store, at: now)
            }
        }
        // After the outbox write: a scrape that sees 0 changed groups finds their rows queued.
        recordGroupGauges()
        return added + outside
    }

    /// A `notified` command for the owner of each alert of another instance's partition that
    /// these notifications notify newly (firing), naming the first integration's row, once per
    /// alert (`told`). Queued with the rows; the state stage's hand-off produces them.
    private static func ownerNotices(
        _ notifications: ArraySlice<GroupNotification>, remote: Set<Fingerprint>, integrations: [String: [Integration]],
        told: inout Set<Fingerprint>, at now: Date
    ) -> [AlertCommand] {
        guard !remote.isEmpty else { return [] }
        var commands: [AlertCommand] = []
        for n in notifications {
            guard let integration = integrations[n.receiver]?.first else { continue }
            let key = Self.rowKey(n) + "/\(integration.name)"
            for a in n.firing where remote.contains(a.fingerprint) && n.newAlerts.contains(a.fingerprint) && told.insert(a.fingerprint).inserted {
                commands.append(AlertCommand(
                    id: key, action: .notified, fingerprint: a.fingerprint, actor: n.receiver, issuedAt: now,
                    target: "\(n.receiver)/\(integration.name)", instanceStart: a.startsAt))
            }
        }
        return commands
    }

    /// Lets go, hourly, of other instances' alerts resolved longer than `resolvedKept` ago:
    /// no group holds them any more, as none would after a restore.
    private func pruneRemote(now: Date) {
        guard now.timeIntervalSince(remotePrunedAt) >= 3600 else { return }
        remotePrunedAt = now
        remote = remote.filter { Self.isRecent($0.value, now: now) }
        recordRemoteGauge()
    }

    /// A notification's outbox key without its integration.
    private static func rowKey(_ n: GroupNotification) -> String {
        var key = "\(n.receiver)/\(n.idempotencyKey)"
        if n.reason == .repeated { key += "/repeat-\(Int(n.at.timeIntervalSince1970))" }
        return key
    }

    private func remoteContents(_ fps: Set<Fingerprint>) -> [Fingerprint: AlertState] {
        var out: [Fingerprint: AlertState] = [:]
        for fp in fps { if let s = remote[fp] { out[fp] = s } }
        return out
    }

    /// The content of the alerts of the groups due at `now`, for muting, read on `io`: alerts
    /// added to due groups while a read ran are read next, until every due alert was asked for.
    /// `known`: what the changelog showed of other instances' alerts.
    private func dueContents(at now: Date, known: [Fingerprint: AlertState]) async throws -> [Fingerprint: AlertState] {
        var states = known
        var asked = Set(known.keys)
        let store = self.store
        while true {
            let missing = scheduler.dueAlerts(at: now).subtracting(asked)
            if missing.isEmpty { return states }
            asked.formUnion(missing)
            let read = try await io.run { try store.contents(of: Array(missing)) }
            states.merge(read) { a, _ in a }
        }
    }

    /// One flush transaction's share: notifications, and the log entries written with them.
    struct Slice: Sendable {
        var notifications: ArraySlice<GroupNotification>
        var log: [String: GroupScheduler.LogEntry]
    }

    /// A flush in slices of about `sliceAlerts` notified alerts, each slice's outbox rows with
    /// its groups' log entries in one transaction: a flush of big groups (every alert of a
    /// changed group is sent) held every notified alert's content and payload at once —
    /// gigabytes at a million alerts (#8). A crash between slices loses nothing: the log
    /// entries of unwritten slices were not written either, so those groups notify again after
    /// the restart. A slice takes the log entries whose group's last notification of this
    /// flush it holds (a group due twice in one flush notifies twice); the last takes the rest.
    static func slices(_ notifications: [GroupNotification], log: [String: GroupScheduler.LogEntry], sliceAlerts: Int) -> [Slice] {
        guard !notifications.isEmpty else { return log.isEmpty ? [] : [Slice(notifications: [], log: log)] }
        var changedLog = log
        var lastNotification: [String: Int] = [:]
        for (i, n) in notifications.enumerated() { lastNotification[n.logKey] = i }
        var out: [Slice] = []
        var start = 0
        while start < notifications.count {
            var end = start
            var size = 0
            while end < notifications.count, end == start || size + notifications[end].alertCount <= sliceAlerts {
                size += notifications[end].alertCount
                end += 1
            }
            let slice = notifications[start..<end]
            var sliceLog: [String: GroupScheduler.LogEntry] = [:]
            if end == notifications.count {
                sliceLog = changedLog
            } else {
                for n in slice where lastNotification[n.logKey]! < end {
                    if let e = changedLog.removeValue(forKey: n.logKey) { sliceLog[n.logKey] = e }
                }
            }
            out.append(Slice(notifications: slice, log: sliceLog))
            start = end
        }
        return out
    }

    /// Writes one slice (on `io`): reads the notified alerts' content (labels, annotations,
    /// severity, occurrences) unless muting already did, builds the outbox rows and records
    /// them with the slice's log entries.
    private static func write(
        _ slice: ArraySlice<GroupNotification>, log: [String: GroupScheduler.LogEntry], states: [Fingerprint: AlertState],
        remote: Set<Fingerprint>, notices: [AlertCommand], integrations: [String: [Integration]], store: AlertStore, at now: Date
    ) throws -> Int {
        var missing: Set<Fingerprint> = []
        for n in slice {
            for a in n.firing where states[a.fingerprint] == nil { missing.insert(a.fingerprint) }
            for a in n.resolved where states[a.fingerprint] == nil { missing.insert(a.fingerprint) }
        }
        let read = missing.isEmpty ? [:] : try store.contents(of: Array(missing))
        let content = read.isEmpty ? states : states.merging(read) { a, _ in a }
        var queued: [QueuedNotification] = []
        for n in slice { queued += queue(n, states: content, remote: remote, integrations: integrations) }
        guard !queued.isEmpty || !log.isEmpty else { return 0 }
        return try store.recordFlush(queued, log: log, contents: content.mapValues(\.alert), notices: notices, at: now)
    }

    private static func queue(
        _ n: GroupNotification, states: [Fingerprint: AlertState], remote: Set<Fingerprint>, integrations: [String: [Integration]]
    ) -> [QueuedNotification] {
        let firing = n.firing.map { notified($0, status: .firing, state: states[$0.fingerprint]) }
        let resolved = n.resolved.map { notified($0, status: .resolved, state: states[$0.fingerprint]) }
        let key = rowKey(n)
        // Labels and annotations came from the alerts' rows: the outbox rows refer to them
        // instead of copying them (an alert missing from the store keeps its own, empty, copy;
        // one of another instance's partitions, the changelog's, copied).
        let stored = (n.firing + n.resolved).allSatisfy { states[$0.fingerprint] != nil && !remote.contains($0.fingerprint) }
        var result: [QueuedNotification] = []
        for integration in integrations[n.receiver] ?? [] {
            let alerts = integration.sendResolved ? firing + resolved : firing
            guard !alerts.isEmpty else { continue }
            let notification = AlertNotification(
                idempotencyKey: key, receiver: n.receiver, status: firing.isEmpty ? .resolved : .firing,
                groupKey: n.groupKey.value, groupLabels: n.groupLabels, alerts: alerts)
            result.append(QueuedNotification(
                notification: notification, integration: integration.name, key: "\(key)/\(integration.name)", referencesAlerts: stored,
                recorded: n.newAlerts))
        }
        return result
    }

    private static func notified(_ g: GroupedAlert, status: AlertNotification.Status, state: AlertState?) -> NotifiedAlert {
        let labels = state?.alert.labels ?? [:]
        return NotifiedAlert(
            status: status, fingerprint: g.fingerprint, labels: labels, annotations: state?.alert.annotations ?? [:],
            severity: state?.alert.severity ?? Severity(level: Route.severityLevel(label: labels["severity"])),
            startsAt: g.startsAt, endsAt: status == .resolved ? g.resolvedAt : nil, occurrences: state?.occurrences ?? 1)
    }

    /// What routing and muting say about an alert now, for `klaxon alerts explain`.
    func explain(_ alert: Alert, now: Date) -> (routes: [String], receivers: [String], silences: [String], inhibitedBy: [String: String]?) {
        let routes = routing.tree.match(alert)
        let receivers = routes.map(\.receiver).filter { routing.receiver(named: $0)?.accepts(alert.severity.level) ?? false }
        let silences = currentSilencer().silences(muting: alert.labels, at: now).map { "\($0.id) (\($0.createdBy): \($0.comment))" }
        let inhibition = makeInhibitor()?.inhibition(of: alert.labels)
        return (routes.map { GroupKey(route: $0, labels: alert.labels).value }, receivers, silences, inhibition?.sourceLabels)
    }

    /// What mutes each unresolved alert now: the silences (ids) and whether an inhibition rule
    /// does, as `klaxon alerts list --silenced/--inhibited` shows them. Resolved alerts are
    /// left out (nothing mutes what no longer fires).
    func muting(_ alerts: [Alert], now: Date) -> [Fingerprint: (silencedBy: [String], inhibited: Bool)] {
        let inhibitor = makeInhibitor()
        let silencer = currentSilencer()
        var out: [Fingerprint: (silencedBy: [String], inhibited: Bool)] = [:]
        for a in alerts {
            let silences = silencer.silences(muting: a.labels, at: now).map(\.id)
            let inhibited = inhibitor?.mutes(a.labels, at: now) ?? false
            if !silences.isEmpty || inhibited { out[a.fingerprint] = (silences, inhibited) }
        }
        return out
    }

    /// Alertmanager's `status` of each alert now: the silences muting it (ids) and the
    /// fingerprints of the alerts inhibiting it (empty lists when nothing mutes it).
    func alertmanagerStatus(_ alerts: [Alert], now: Date) -> [Fingerprint: (silencedBy: [String], inhibitedBy: [String])] {
        let inhibitor = makeInhibitor()
        let silencer = currentSilencer()
        // The inhibiting alert by its labels, built only when something is inhibited.
        var sources: [[String: String]: Fingerprint]?
        var out: [Fingerprint: (silencedBy: [String], inhibitedBy: [String])] = [:]
        for a in alerts {
            let silences = silencer.silences(muting: a.labels, at: now).map(\.id)
            var inhibitedBy: [String] = []
            if let source = inhibitor?.inhibition(of: a.labels)?.sourceLabels {
                if sources == nil {
                    sources = Dictionary(allInhibitionSources.map { ($0.value, $0.key) }, uniquingKeysWith: { x, _ in x })
                }
                inhibitedBy = [(sources?[source] ?? Fingerprint(labels: source)).description]
            }
            out[a.fingerprint] = (silences, inhibitedBy)
        }
        return out
    }

    /// Grouping's own sources, and the changelog's for alerts grouping does not hold.
    private var allInhibitionSources: [Fingerprint: [String: String]] {
        guard !changelogSources.isEmpty else { return inhibitionSources }
        return inhibitionSources.merging(changelogSources) { own, _ in own }
    }

    /// The inhibitor over every firing alert Klaxon groups; nil when there are no rules.
    private func makeInhibitor() -> Inhibitor? {
        guard !routing.inhibitRules.isEmpty else { return nil }
        if let cached = inhibitorCache { return cached }
        let built = Inhibitor(rules: routing.inhibitRules, firingAlerts: Array(allInhibitionSources.values))
        inhibitorCache = .some(built)
        return built
    }

    private func countMuted(_ firing: [AlertState], now: Date) {
        guard !firing.isEmpty else { return }
        let inhibitor = makeInhibitor()
        let silencer = currentSilencer()
        var silenced = 0
        var inhibited = 0
        for s in firing {
            if silencer.mutes(s.alert.labels, at: now) {
                silenced += 1
            } else if inhibitor?.mutes(s.alert.labels, at: now) == true {
                inhibited += 1
            }
        }
        if silenced > 0 { Counter(label: "klaxon_alerts_suppressed_total", dimensions: [("reason", "silenced")]).increment(by: silenced) }
        if inhibited > 0 { Counter(label: "klaxon_alerts_suppressed_total", dimensions: [("reason", "inhibited")]).increment(by: inhibited) }
    }

    /// Escalation tiers notified of an alert that resolved get its resolved notification
    /// (their groups are not grouping's; `AlertStore.queueEscalationResolutions`).
    private func closeEscalations(_ resolved: [AlertState]) {
        guard !resolved.isEmpty, !routing.escalationPolicies.isEmpty else { return }
        do {
            try store.queueEscalationResolutions(resolved, routing: FollowUpRouting(integrations))
        } catch {
            logger.error("cannot queue escalation resolutions (queued again at the next start): \(error)")
        }
    }

    private func endOnResolveSilences(_ resolved: [AlertState], now: Date) {
        var silencer = currentSilencer()
        for state in resolved {
            let updated = silencer.resolving(state.alert.labels, at: state.resolvedAt ?? now)
            guard updated.silences != silencer.silences else { continue }
            for (old, new) in zip(silencer.silences, updated.silences) where old != new {
                do { try silences.save(new, at: now) } catch { logger.error("cannot save silence \(new.id): \(error)") }
                logger.info("silence ended with its alert", metadata: ["silence": "\(new.id)", "alert": "\(state.alert.fingerprint)"])
            }
            silencer = updated
        }
    }
}
