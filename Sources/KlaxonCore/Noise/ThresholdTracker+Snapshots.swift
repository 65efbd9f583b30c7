import Foundation

/// One threshold key's state as the store and the state changelog keep it, so counts survive
/// a restart and move with their partition (docs/scaling.md). `state` nil: the key was dropped
/// (pruned or evicted), and so is its stored copy.
public struct ThresholdKeySnapshot: Sendable, Hashable {
    /// The rule's `stateKey`: snapshots follow a rule across reloads as `reconfigured` does.
    public var rule: String
    /// The fingerprint's value, or the hash of the `group_by` values.
    public var hash: UInt64
    /// The `klaxon.alerts` partition whose alerts this share counts (0 without partitioning);
    /// its changelog record goes there.
    public var share: Int32
    public var state: ThresholdTracker.KeyState?

    public init(rule: String, hash: UInt64, share: Int32 = 0, state: ThresholdTracker.KeyState?) {
        self.rule = rule
        self.hash = hash
        self.share = share
        self.state = state
    }
}

extension ThresholdRule {
    /// What names the rule's keys outside the tracker: its identity and what it counts by
    /// (the same two things `ThresholdTracker.reconfigured` carries state across).
    public var stateKey: String { identity + "|" + (groupBy.map { "by:" + $0.joined(separator: ",") } ?? "fingerprint") }
}

extension ThresholdTracker {
    /// The states of the keys changed since the last call (nil for a key dropped since), and
    /// forgets that they changed.
    public mutating func takeChanges() -> [ThresholdKeySnapshot] {
        guard !changed.isEmpty else { return [] }
        defer { changed.removeAll(keepingCapacity: true) }
        return changed.compactMap { key in
            guard key.rule < ruleKeys.count else { return nil }
            return ThresholdKeySnapshot(rule: ruleKeys[key.rule], hash: key.hash, share: key.share, state: keys[key])
        }
    }

    /// Marks the keys of `snapshots` changed again (their write failed; the next take carries them).
    public mutating func markChanged(_ snapshots: [ThresholdKeySnapshot]) {
        for s in snapshots {
            if let ri = ruleKeys.firstIndex(of: s.rule) { changed.insert(Key(rule: ri, hash: s.hash, share: s.share)) }
        }
    }

    /// Takes stored or restored key states in: a snapshot of a rule no longer configured is
    /// left out, and a key changed here and not yet taken keeps its own (it is newer).
    /// - Returns: how many snapshots were applied.
    @discardableResult
    public mutating func restore(_ snapshots: [ThresholdKeySnapshot]) -> Int {
        var index: [String: Int] = [:]
        for (i, k) in ruleKeys.enumerated() where index[k] == nil { index[k] = i }
        var applied = 0
        for s in snapshots {
            guard let ri = index[s.rule] else { continue }
            let key = Key(rule: ri, hash: s.hash, share: s.share)
            guard !changed.contains(key) else { continue }
            keys[key] = s.state
            applied += 1
        }
        return applied
    }
}
