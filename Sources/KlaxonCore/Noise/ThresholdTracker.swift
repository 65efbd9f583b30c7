import Foundation

/// Pure, deterministic state machine behind `thresholds:`. Feed it every occurrence that
/// survived muting, with the time it happened; it answers whether the occurrence may notify.
///
/// Per key (rule + fingerprint, or rule + `group_by` values) it keeps the occurrences of the
/// last `window` in at most `ThresholdTracker.slotsPerWindow` + 1 time slots: occurrences closer
/// than `window / 64` share the slot of the first one and leave the window with it (so a count
/// may drop up to `window / 64` early; occurrences further apart are counted exactly). Memory is
/// therefore bounded per key whatever the rate, keys idle for a window are dropped by
/// `prune(at:)`, and the number of keys is capped by `maxKeys` (least recently seen go first).
///
/// The window is half-open: an occurrence exactly `window` ago no longer counts. Times that go
/// backwards are treated as the latest time seen for the key.
///
/// Several instances (issue #14): a key's state is kept per *share*, the `klaxon.alerts`
/// partition of the alerts counted in it (`partitioner`; 0 without one), so each share moves
/// with its partition. A decision counts every share of the key held — this instance's and,
/// restored from the changelog, other instances' — and takes the latest burst and
/// notification of any of them. With one share per key (one instance) nothing changes.
public struct ThresholdTracker: Sendable {
    /// Time slots per window (the count's resolution is `window / slotsPerWindow`).
    public static let slotsPerWindow: Int64 = 64

    public private(set) var rules: [ThresholdRule]
    /// Upper bound on tracked keys; past it, idle keys and then the least recently seen are dropped. Default 200,000.
    public var maxKeys: Int
    var keys: [Key: KeyState] = [:]
    /// Names each occurrence's share by its alert's partition; nil: every share is 0.
    public var partitioner: StatePartitioner?
    /// Each rule's `stateKey`, by index (snapshots name rules by it).
    let ruleKeys: [String]
    /// Keys stepped, pruned or dropped since the last `takeChanges` (their state goes to the
    /// store), when `tracksChanges`; off for replays and the gate, which keep nothing.
    var changed: Set<Key> = []
    public var tracksChanges = false

    private mutating func noteChange(_ key: Key) {
        if tracksChanges { changed.insert(key) }
    }

    struct Key: Hashable, Codable {
        var rule: Int
        var hash: UInt64
        var share: Int32 = 0
    }

    public struct Slot: Hashable, Codable, Sendable {
        public var start: Int64  // ms since 1970
        public var count: Int32

        public init(start: Int64, count: Int32) {
            self.start = start
            self.count = count
        }
    }

    /// One key's counts and flags, as the store and the state changelog keep them.
    public struct KeyState: Hashable, Codable, Sendable {
        public var slots: [Slot] = []
        public var lastEvent: Int64 = .min
        /// When the current burst notified, if it did.
        public var burstNotified: Int64?
        /// The key's last notification (for `min_interval`).
        public var lastNotified: Int64?
        /// A candidate occurrence was held and no notification has covered it yet.
        public var pending = false

        public init(slots: [Slot] = [], lastEvent: Int64 = .min, burstNotified: Int64? = nil, lastNotified: Int64? = nil, pending: Bool = false) {
            self.slots = slots
            self.lastEvent = lastEvent
            self.burstNotified = burstNotified
            self.lastNotified = lastNotified
            self.pending = pending
        }

        var total: Int { slots.reduce(0) { $0 + Int($1.count) } }
    }

    public init(rules: [ThresholdRule], maxKeys: Int = 200_000) {
        self.rules = rules
        self.maxKeys = max(1, maxKeys)
        self.ruleKeys = rules.map(\.stateKey)
    }

    /// Number of keys currently tracked.
    public var keyCount: Int { keys.count }

    /// Number of time slots held across all keys (for memory accounting in tests and metrics).
    public var slotCount: Int { keys.values.reduce(0) { $0 + $1.slots.count } }

    /// Index of the first rule whose matchers select `alert`, or nil.
    public func ruleIndex(for alert: Alert) -> Int? {
        for i in rules.indices where rules[i].matchers.matches(alert.labels) { return i }
        return nil
    }

    /// Records an occurrence that wants to notify (an opened or reopened alert).
    public mutating func record(_ alert: Alert, at now: Date) -> ThresholdDecision {
        evaluate(alert, at: now, wantsNotification: true)?.decision ?? .untracked
    }

    /// Records an occurrence. `wantsNotification` is false for a duplicate of an alert that was
    /// already notified: it is counted, but notifies only if an earlier occurrence of its key
    /// was held and is still waiting. Nil when no rule matches (nothing recorded).
    public mutating func evaluate(_ alert: Alert, at now: Date, wantsNotification: Bool) -> ThresholdOutcome? {
        guard let ri = ruleIndex(for: alert) else { return nil }
        let rule = rules[ri]
        let key = Key(
            rule: ri, hash: ThresholdTracker.keyHash(alert, groupBy: rule.groupBy), share: partitioner?.partition(of: alert.fingerprint) ?? 0)
        let decision = step(key, rule: rule, now: ThresholdTracker.ms(now), wantsNotification: wantsNotification)
        if keys.count > maxKeys { evict(at: now) }
        return ThresholdOutcome(ruleIndex: ri, rule: rule, decision: decision)
    }

    private mutating func step(_ key: Key, rule: ThresholdRule, now rawNow: Int64, wantsNotification: Bool) -> ThresholdDecision {
        let window = max(1, rule.window.milliseconds)
        let resolution = max(1, window / ThresholdTracker.slotsPerWindow)
        // Taken out while it changes, so its slots are not copied.
        var s = keys.removeValue(forKey: key) ?? KeyState()
        noteChange(key)
        let now = max(rawNow, s.lastEvent)
        // A burst ends once the key has been quiet for a whole window.
        if s.lastEvent != .min, now - s.lastEvent >= window {
            s.slots.removeAll(keepingCapacity: true)
            s.burstNotified = nil
        }
        let cutoff = now - window
        if let firstKept = s.slots.firstIndex(where: { $0.start > cutoff }) {
            if firstKept > 0 { s.slots.removeFirst(firstKept) }
        } else {
            s.slots.removeAll(keepingCapacity: true)
        }
        if let last = s.slots.last, now - last.start < resolution, last.count < Int32.max {
            s.slots[s.slots.count - 1].count += 1
        } else {
            s.slots.append(Slot(start: now, count: 1))
        }
        s.lastEvent = now
        var count = s.total
        var (burst, notified) = (s.burstNotified, s.lastNotified)
        // The key's other shares: their occurrences in the window, and a burst still going on.
        // Only a `group_by` key spans partitions; a fingerprint's key has one share.
        if rule.groupBy != nil, let partitioner {
            for p in 0..<partitioner.partitions where p != key.share {
                guard let o = keys[Key(rule: key.rule, hash: key.hash, share: p)] else { continue }
                for slot in o.slots where slot.start > cutoff { count += Int(slot.count) }
                if let b = o.burstNotified, now - o.lastEvent < window { burst = max(burst ?? b, b) }
                if let l = o.lastNotified { notified = max(notified ?? l, l) }
            }
        }
        let decision: ThresholdDecision
        if !(wantsNotification || s.pending) {
            decision = .counted(count: count)
        } else if let at = burst, !(rule.minInterval > .zero && now - at >= rule.minInterval.milliseconds) {
            // Once per burst; with min_interval, a burst that lasts renotifies held occurrences that often.
            s.pending = true
            decision = .alreadyNotified(count: count, at: ThresholdTracker.date(at))
        } else if count < rule.count {
            s.pending = true
            decision = .held(count: count, needed: rule.count)
        } else if let last = notified, now - last < rule.minInterval.milliseconds {
            s.pending = true
            decision = .damped(count: count, until: ThresholdTracker.date(last + rule.minInterval.milliseconds))
        } else {
            s.pending = false
            s.burstNotified = now
            s.lastNotified = now
            decision = .notify(count: count)
        }
        keys[key] = s
        return decision
    }

    /// Drops what can no longer matter at `now`: keys quiet for a window with nothing pending
    /// and no `min_interval` left to enforce; quiet pending keys keep only their flags.
    public mutating func prune(at now: Date) {
        let t = ThresholdTracker.ms(now)
        for (key, s) in keys {
            guard key.rule < rules.count else { keys[key] = nil; continue }
            let rule = rules[key.rule]
            guard t - s.lastEvent >= max(1, rule.window.milliseconds) else { continue }
            let damping = s.lastNotified.map { t - $0 < rule.minInterval.milliseconds } ?? false
            if !s.pending && !damping {
                keys[key] = nil
                noteChange(key)
            } else if !s.slots.isEmpty || s.burstNotified != nil {
                var quiet = s
                quiet.slots = []
                quiet.burstNotified = nil
                keys[key] = quiet
                noteChange(key)
            }
        }
    }

    /// Prunes, then (if still over `maxKeys`) drops the least recently seen tenth of the keys.
    private mutating func evict(at now: Date) {
        prune(at: now)
        guard keys.count > maxKeys else { return }
        let excess = keys.count - maxKeys + max(1, maxKeys / 10)
        let victims = keys.sorted { $0.value.lastEvent < $1.value.lastEvent }.prefix(excess).map(\.key)
        for k in victims {
            keys[k] = nil
            noteChange(k)
        }
    }

    /// The tracker for new rules (after a reload): state carries over for rules with the same
    /// `identity` and the same key (fingerprint or group_by labels); everything else starts fresh.
    public func reconfigured(with newRules: [ThresholdRule]) -> ThresholdTracker {
        var next = ThresholdTracker(rules: newRules, maxKeys: maxKeys)
        next.tracksChanges = tracksChanges
        next.partitioner = partitioner
        var map: [Int: Int] = [:]
        for (i, r) in rules.enumerated() {
            if let j = newRules.firstIndex(where: { $0.identity == r.identity && $0.groupBy == r.groupBy }) { map[i] = j }
        }
        for (key, s) in keys {
            guard let j = map[key.rule] else { continue }
            next.keys[Key(rule: j, hash: key.hash, share: key.share)] = s
        }
        // Changes not taken yet stay changes; those of rules that went are dropped with them.
        for key in changed {
            if let j = map[key.rule] { next.changed.insert(Key(rule: j, hash: key.hash, share: key.share)) }
        }
        return next
    }

    // MARK: Keys and time

    static func keyHash(_ alert: Alert, groupBy: [String]?) -> UInt64 {
        guard let groupBy else { return alert.fingerprint.value }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for name in groupBy {
            if let v = alert.labels[name] {
                for b in v.utf8 { hash = (hash ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
                hash = (hash ^ 0xFF) &* 0x0000_0100_0000_01b3
            } else {
                hash = (hash ^ 0xFE) &* 0x0000_0100_0000_01b3
            }
        }
        return hash
    }

    static func ms(_ d: Date) -> Int64 { Int64((d.timeIntervalSince1970 * 1000).rounded(.down)) }
    static func date(_ ms: Int64) -> Date { Date(timeIntervalSince1970: Double(ms) / 1000) }
}

/// JSON form for persistence: `{"rules": [...], "maxKeys": N, "keys": [{"rule", "hash", "state"}]}`.
extension ThresholdTracker: Codable {
    private enum CodingKeys: String, CodingKey { case rules, maxKeys, keys }
    private struct Entry: Codable {
        var rule: Int
        var hash: UInt64
        var share: Int32?
        var state: KeyState
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(rules: try c.decode([ThresholdRule].self, forKey: .rules),
                  maxKeys: try c.decodeIfPresent(Int.self, forKey: .maxKeys) ?? 200_000)
        for e in try c.decode([Entry].self, forKey: .keys) where e.rule >= 0 && e.rule < rules.count {
            keys[Key(rule: e.rule, hash: e.hash, share: e.share ?? 0)] = e.state
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(rules, forKey: .rules)
        try c.encode(maxKeys, forKey: .maxKeys)
        let entries = keys.map { Entry(rule: $0.key.rule, hash: $0.key.hash, share: $0.key.share == 0 ? nil : $0.key.share, state: $0.value) }
            .sorted { ($0.rule, $0.hash, $0.share ?? 0) < ($1.rule, $1.hash, $1.share ?? 0) }
        try c.encode(entries, forKey: .keys)
    }
}

extension ThresholdTracker: Equatable {
    public static func == (a: ThresholdTracker, b: ThresholdTracker) -> Bool {
        a.rules == b.rules && a.maxKeys == b.maxKeys && a.keys == b.keys
    }
}
