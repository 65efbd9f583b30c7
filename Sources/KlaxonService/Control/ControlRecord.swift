import Foundation
import KlaxonCore
import KlaxonStore

/// One change to the cluster-wide state on the control topic: the new state of one silence or
/// of one false-positive mark, keyed by what it is about (`silence/ID`, `false-positive/FP`), so
/// the compacted topic keeps the latest state of each. Applying a record again gives the same
/// state (`ControlApplier`).
enum ControlRecord: Sendable, Hashable {
    /// A silence as it now is (new, changed, or expired: expiry keeps it, as the store does).
    case silence(Silence)
    /// A fingerprint marked as a false positive.
    case falsePositive(FalsePositiveStore.Mark)
    /// A mark taken back. Kept as a record of its own rather than a tombstone, so an instance
    /// that was down while it happened still learns of it whenever it replays the topic.
    case falsePositiveRemoved(Fingerprint, by: String, at: Date)
    /// A configuration reload made through one instance's API, which every other instance
    /// repeats with its own files. One key: the topic keeps only the latest request.
    case reload(ReloadRequest)

    /// The Kafka key: records about the same thing share it and its partition, hence its order.
    var key: String {
        switch self {
        case let .silence(s): "silence/\(s.id)"
        case let .falsePositive(m): "false-positive/\(m.fingerprint)"
        case let .falsePositiveRemoved(fp, _, _): "false-positive/\(fp)"
        case .reload: "config/reload"
        }
    }

    var isSilence: Bool {
        if case .silence = self { true } else { false }
    }

    /// JSON: `{"type": "silence", "silence": {…}}` (the store's silence JSON),
    /// `{"type": "false_positive", "fingerprint", "reason", "marked_by", "marked_at"}`,
    /// `{"type": "false_positive_removed", "fingerprint", "by", "at"}`,
    /// `{"type": "config_reload", "id", "origin", "host", "by", "at"}`; times in ms since 1970.
    func encoded() throws -> Data {
        try Self.encoder.encode(Wire(self))
    }

    /// Decodes a record's value; throws for anything this version does not understand.
    static func decode(_ value: Data) throws -> ControlRecord {
        try decoder.decode(Wire.self, from: value).record()
    }

    private struct Wire: Codable {
        var type: String
        var silence: Silence?
        var fingerprint: String?
        var reason: String?
        var marked_by: String?
        var marked_at: Date?
        var by: String?
        var at: Date?
        var id: String?
        var origin: String?
        var host: String?

        init(_ r: ControlRecord) {
            switch r {
            case let .silence(s):
                type = "silence"
                silence = s
            case let .falsePositive(m):
                type = "false_positive"
                fingerprint = m.fingerprint.description
                reason = m.reason
                marked_by = m.markedBy
                marked_at = m.markedAt
            case let .falsePositiveRemoved(fp, by, at):
                type = "false_positive_removed"
                fingerprint = fp.description
                self.by = by
                self.at = at
            case let .reload(r):
                type = "config_reload"
                (id, origin, host, by, at) = (r.id, r.origin, r.host, r.by, r.at)
            }
        }

        func record() throws -> ControlRecord {
            func fp() throws -> Fingerprint {
                guard let text = fingerprint, let fp = Fingerprint(hex: text) else { throw Invalid("no valid fingerprint") }
                return fp
            }
            switch type {
            case "silence":
                guard let silence else { throw Invalid("silence record without a silence") }
                return .silence(silence)
            case "false_positive":
                guard let reason, let marked_by, let marked_at else { throw Invalid("false_positive record without reason, marked_by or marked_at") }
                return .falsePositive(.init(fingerprint: try fp(), reason: reason, markedBy: marked_by, markedAt: marked_at))
            case "false_positive_removed":
                guard let by, let at else { throw Invalid("false_positive_removed record without by or at") }
                return .falsePositiveRemoved(try fp(), by: by, at: at)
            case "config_reload":
                guard let id, let origin, let by, let at else { throw Invalid("config_reload record without id, origin, by or at") }
                return .reload(ReloadRequest(id: id, origin: origin, host: host ?? "", by: by, at: at))
            default:
                throw Invalid("unknown record type \"\(type)\"")
            }
        }
    }

    struct Invalid: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    private static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .millisecondsSince1970
        e.outputFormatting = .sortedKeys
        return e
    }()
    private static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .millisecondsSince1970
        return d
    }()
}

extension Silence {
    /// Equal once times are taken to the millisecond, the precision of the topic's and the
    /// store's JSON: a silence read back from either compares equal to the one written.
    func sameAtStorePrecision(_ other: Silence) -> Bool {
        func ms(_ d: Date?) -> Int64? { d.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) } }
        func end(_ e: Ending) -> Int64? { if case let .at(d) = e { ms(d) } else { nil } }
        return id == other.id && matchers == other.matchers && ms(startsAt) == ms(other.startsAt) && ending.isOnResolve == other.ending.isOnResolve
            && end(ending) == end(other.ending) && ms(expiredAt) == ms(other.expiredAt) && createdBy == other.createdBy && comment == other.comment
    }
}

extension Silence.Ending {
    fileprivate var isOnResolve: Bool { if case .onResolve = self { true } else { false } }
}

/// A reload asked through the API of instance `origin` (its `ControlTopic.instanceID`; `host`
/// names it for people), to be repeated by every other instance.
struct ReloadRequest: Sendable, Hashable {
    var id: String
    var origin: String
    var host: String
    var by: String
    var at: Date
}
