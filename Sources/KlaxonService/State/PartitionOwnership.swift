import KlaxonCore

/// Which alerts this instance owns now: those on `klaxon.alerts` partitions it is assigned and
/// has restored for that assignment. Timers act only on owned alerts, so an instance that lost
/// a partition neither resolves nor escalates the copies it still holds (the new owner does).
struct PartitionOwnership: Sendable {
    let partitioner: StatePartitioner
    /// The owned partitions now.
    let owned: @Sendable () -> Set<Int32>
    /// Whether the group gave this instance no partition at all (`KafkaConsumer.assignedNothing`).
    var givenNothing: @Sendable () -> Bool = { false }

    /// One view of ownership for a pass: a partition that moves during it is judged as before.
    func snapshot() -> @Sendable (Fingerprint) -> Bool { member(of: owned()) }

    private func member(of owned: Set<Int32>) -> @Sendable (Fingerprint) -> Bool {
        { [partitioner] fp in owned.contains(partitioner.partition(of: fp)) }
    }

    /// The alerts this store keeps up to date when ownership is split (a partition given away
    /// stays in the file, stale; its new owner lists and counts it). Nil while this instance
    /// owns every partition or none is known yet: the whole file is its own.
    func heldNow() -> (@Sendable (Fingerprint) -> Bool)? {
        let owned = owned()
        if owned.isEmpty {
            guard givenNothing() else { return nil }
            return { _ in false }
        }
        guard owned.count < Int(partitioner.partitions) else { return nil }
        return member(of: owned)
    }

    /// Ownership where there is no partitioning to ask: every alert held is owned.
    static let everything: @Sendable (Fingerprint) -> Bool = { _ in true }
}
