import Foundation
import KlaxonCore

/// The part of every alert's state that dedup decisions need, kept in memory (64 bytes per
/// fingerprint, see `HotIndex`) and mirrored to SQLite, so a decision never reads the database.
/// It is the authority for status, times and counters; SQLite rows add the alert's content.
///
/// Laid out for size: the optional times are stored as NaN when absent and the regression
/// count as 32 bits (saturating), so an entry is 58 bytes with a stride of 64 instead of 80.
struct HotEntry: Sendable {
    var firstSeenAt: Double
    var lastSeenAt: Double
    var occurrences: Int
    private var resolvedAtOrNaN: Double
    private var acknowledgedAtOrNaN: Double
    /// `Alert.expiresAfter` in seconds (0: none).
    var expiresAfter: Float32
    private var regressions32: Int32
    var sources: SourceSet
    /// The alert's scan scope, interned by `HotIndex` (-1: none).
    var scope: Int32
    var status: AlertState.Status
    /// The current firing instance passed the noise filter at least once (it is in a group).
    var admitted: Bool

    var resolvedAt: Double? {
        get { resolvedAtOrNaN.isNaN ? nil : resolvedAtOrNaN }
        set { resolvedAtOrNaN = newValue ?? .nan }
    }

    var acknowledgedAt: Double? {
        get { acknowledgedAtOrNaN.isNaN ? nil : acknowledgedAtOrNaN }
        set { acknowledgedAtOrNaN = newValue ?? .nan }
    }

    /// Saturates at `Int32.max` (two billion reopenings of one alert).
    var regressions: Int {
        get { Int(regressions32) }
        set { regressions32 = Int32(clamping: newValue) }
    }

    init(
        status: AlertState.Status, firstSeenAt: Double, lastSeenAt: Double, occurrences: Int, regressions: Int,
        resolvedAt: Double?, acknowledgedAt: Double?, sources: SourceSet, admitted: Bool, scope: Int32, expiresAfter: Double? = nil
    ) {
        self.expiresAfter = Float32(expiresAfter ?? 0)
        self.scope = scope
        self.admitted = admitted
        acknowledgedAtOrNaN = acknowledgedAt ?? .nan
        self.status = status
        self.firstSeenAt = firstSeenAt
        self.lastSeenAt = lastSeenAt
        self.occurrences = occurrences
        regressions32 = Int32(clamping: regressions)
        resolvedAtOrNaN = resolvedAt ?? .nan
        self.sources = sources
    }

    init(_ s: AlertState, sources: SourceSet, admitted: Bool, scope: Int32) {
        self.init(
            status: s.status, firstSeenAt: s.firstSeenAt.timeIntervalSince1970, lastSeenAt: s.lastSeenAt.timeIntervalSince1970,
            occurrences: s.occurrences, regressions: s.regressions, resolvedAt: s.resolvedAt?.timeIntervalSince1970,
            acknowledgedAt: s.acknowledgedAt?.timeIntervalSince1970, sources: sources, admitted: admitted, scope: scope,
            expiresAfter: s.alert.expiresAfter)
    }

    /// The state this entry describes, with `alert` as its content.
    func state(alert: Alert) -> AlertState {
        AlertState(
            alert: alert, status: status, firstSeenAt: Date(timeIntervalSince1970: firstSeenAt),
            lastSeenAt: Date(timeIntervalSince1970: lastSeenAt), occurrences: occurrences, regressions: regressions,
            acknowledgedAt: acknowledgedAt.map(Date.init(timeIntervalSince1970:)), resolvedAt: resolvedAt.map(Date.init(timeIntervalSince1970:)))
    }
}

/// The set of sources that reported one alert (Trivy and Inspector2 finding the same CVE on
/// the same image are one alert with two sources), as bits over a fixed list of names.
struct SourceSet: Sendable, Hashable {
    var bits: UInt32

    static let names = [
        "trivy", "sarif", "falco", "guardduty", "inspector2", "ecr", "securityhub", "alertmanager", "generic", "klaxon", "grype",
    ]
    /// Sources not in `names` share this bit.
    static let otherBit = 31

    init(bits: UInt32 = 0) { self.bits = bits }

    init(_ source: String?) {
        guard let source else { self.init(); return }
        let index = Self.names.firstIndex(of: source) ?? Self.otherBit
        self.init(bits: 1 << UInt32(index))
    }

    /// Parses the stored comma-separated list.
    init(list: String?) {
        self.init()
        for name in (list ?? "").split(separator: ",") { bits |= SourceSet(String(name)).bits }
    }

    var list: String {
        var out = Self.names.enumerated().filter { bits & (1 << UInt32($0.offset)) != 0 }.map(\.element)
        if bits & (1 << UInt32(Self.otherBit)) != 0 { out.append("other") }
        return out.joined(separator: ",")
    }
}

/// Every alert's `HotEntry` by fingerprint, plus the unresolved fingerprints of each scan scope,
/// so a complete scan finds what it no longer reports in time linear in the scope's size
/// (a SQL view over the touch log made that quadratic, issue #8).
///
/// Entries sit in fixed-size chunks, found through a fingerprint → slot dictionary: 12 bytes a
/// bucket instead of 88 (a dictionary of entries), and growing never copies the entries — a
/// `[Fingerprint: HotEntry]` at a million alerts held 2²¹ buckets of 88 bytes (185 MB) and
/// briefly 277 MB while it doubled (issue #8). Entries are never removed.
struct HotIndex: Sendable {
    private var slots: [Fingerprint: Int32] = [:]
    private var chunks: [[HotEntry]] = []
    /// 2¹⁶ entries (4 MiB) per chunk.
    private static let chunkShift = 16
    private static let chunkMask = (1 << chunkShift) - 1
    /// Scope strings interned once; `HotEntry.scope` holds the id (-1: no scope).
    private var scopeIDs: [String: Int32] = [:]
    private var scopeNames: [String] = []
    /// Unresolved fingerprints per scope id.
    private var members: [Int32: Set<Fingerprint>] = [:]

    /// Every (fingerprint, entry), in no particular order.
    var entries: some Sequence<(Fingerprint, HotEntry)> {
        let chunks = chunks
        return slots.lazy.map { fp, slot in (fp, chunks[Int(slot) >> Self.chunkShift][Int(slot) & Self.chunkMask]) }
    }

    var count: Int { slots.count }

    subscript(_ fp: Fingerprint) -> HotEntry? {
        guard let slot = slots[fp] else { return nil }
        return chunks[Int(slot) >> Self.chunkShift][Int(slot) & Self.chunkMask]
    }

    /// The id of `scope`, interning it when new.
    mutating func scopeID(_ scope: String?) -> Int32 {
        guard let scope else { return -1 }
        if let id = scopeIDs[scope] { return id }
        let id = Int32(scopeNames.count)
        scopeNames.append(scope)
        scopeIDs[scope] = id
        return id
    }

    /// The id of `scope` if it is interned already.
    func existingScopeID(_ scope: String) -> Int32? { scopeIDs[scope] }

    /// The scope string of an interned id.
    func scopeName(_ id: Int32) -> String? { id >= 0 && Int(id) < scopeNames.count ? scopeNames[Int(id)] : nil }

    /// Stores an entry, keeping the scope membership of unresolved alerts in step.
    mutating func set(_ fp: Fingerprint, _ entry: HotEntry) {
        if let old = self[fp], old.scope >= 0, old.status != .resolved, old.scope != entry.scope || entry.status == .resolved {
            members[old.scope]?.remove(fp)
        }
        if entry.scope >= 0 && entry.status != .resolved { members[entry.scope, default: []].insert(fp) }
        if let slot = slots[fp] {
            chunks[Int(slot) >> Self.chunkShift][Int(slot) & Self.chunkMask] = entry
            return
        }
        if chunks.last.map({ $0.count == Self.chunkMask + 1 }) ?? true {
            chunks.append([])
            chunks[chunks.count - 1].reserveCapacity(Self.chunkMask + 1)
        }
        slots[fp] = Int32(slots.count)
        chunks[chunks.count - 1].append(entry)
    }

    /// Unresolved fingerprints whose alert belongs to `scope`.
    func unresolved(inScope scope: String) -> Set<Fingerprint> {
        guard let id = scopeIDs[scope] else { return [] }
        return members[id] ?? []
    }

    /// Fingerprints whose entry passes `include`, the `limit` most recently seen first.
    func recent(limit: Int, where include: (Fingerprint, HotEntry) -> Bool = { _, _ in true }) -> [Fingerprint] {
        let picked = entries.filter { include($0.0, $0.1) }
        return picked.sorted { ($0.1.lastSeenAt, $0.0) > ($1.1.lastSeenAt, $1.0) }.prefix(limit).map { $0.0 }
    }
}
