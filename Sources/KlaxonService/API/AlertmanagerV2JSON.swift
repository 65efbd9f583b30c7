import Foundation
import KlaxonCore
import KlaxonStore

/// Alertmanager API v2's JSON shapes (its `api/v2/openapi.yaml`, 0.25), built from Klaxon's
/// state. Times are RFC 3339 in UTC with milliseconds, as Alertmanager writes them.
enum AlertmanagerV2JSON {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(format(date))
        }
        return e
    }()

    static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// Go's zero time: what Alertmanager writes for a time that is not set.
    static let zeroTime = "0001-01-01T00:00:00Z"
    /// The end shown for a silence that ends when its alert resolves (Klaxon's `endsOnResolve`):
    /// Alertmanager requires an `endsAt`, and this one never comes by itself.
    static let openEnd = Date(timeIntervalSince1970: 253_402_300_799)  // 9999-12-31T23:59:59Z

    struct Receiver: Codable, Hashable { let name: String }

    struct AlertStatus: Encodable {
        let state: String
        let silencedBy: [String]
        let inhibitedBy: [String]
    }

    /// `gettableAlert`.
    struct Alert: Encodable {
        let labels: [String: String]
        let annotations: [String: String]
        let receivers: [Receiver]
        let fingerprint: String
        let startsAt: Date
        let updatedAt: Date
        let endsAt: String
        let generatorURL: String?
        let status: AlertStatus

        /// Annotations the Alertmanager decoder adds for Klaxon's own views; the v2 view gives
        /// back the alert as it was pushed (`generator_url` returns as `generatorURL`).
        static let klaxonAnnotations: Set<String> = ["generator_url", "alertmanager_fingerprint", "native_severity"]

        init(_ s: AlertState, receivers: [String], silencedBy: [String], inhibitedBy: [String]) {
            labels = s.alert.labels
            annotations = s.alert.annotations.filter { !Self.klaxonAnnotations.contains($0.key) }
            generatorURL = s.alert.annotations["generator_url"]
            self.receivers = receivers.map(Receiver.init)
            fingerprint = s.alert.fingerprint.description
            startsAt = s.alert.occurredAt ?? s.firstSeenAt
            updatedAt = s.lastSeenAt
            // A firing alert ends when its source said it would (a push's `endsAt`), as in Alertmanager.
            let announced = s.alert.expiresAfter.map { format(s.lastSeenAt.addingTimeInterval($0)) }
            endsAt = s.status == .resolved ? (s.resolvedAt.map(format) ?? zeroTime) : (announced ?? zeroTime)
            let muted = !silencedBy.isEmpty || !inhibitedBy.isEmpty
            status = AlertStatus(state: muted ? "suppressed" : "active", silencedBy: silencedBy, inhibitedBy: inhibitedBy)
        }
    }

    /// `alertGroup`.
    struct AlertGroup: Encodable {
        let labels: [String: String]
        let receiver: Receiver
        let alerts: [Alert]
    }

    struct SilenceStatus: Encodable { let state: String }

    /// `gettableSilence`, plus Klaxon's `endsOnResolve` when the silence ends with its alert.
    struct Silence: Encodable {
        let id: String
        let status: SilenceStatus
        let updatedAt: Date
        let matchers: [Matcher]
        let startsAt: Date
        let endsAt: Date
        let createdBy: String
        let comment: String
        let endsOnResolve: Bool?

        init(_ s: KlaxonCore.Silence, now: Date) {
            id = s.id
            status = SilenceStatus(state: s.state(at: now).rawValue)
            matchers = s.matchers
            startsAt = s.startsAt
            switch s.ending {
            case .at(let end):
                endsAt = min(end, s.expiredAt ?? end)
                endsOnResolve = nil
            case .onResolve:
                endsAt = s.expiredAt ?? openEnd
                endsOnResolve = true
            }
            // The store keeps no update time in the silence itself: its last change is its
            // expiry, or else its creation (Klaxon silences are not edited in place).
            updatedAt = s.expiredAt ?? s.startsAt
            createdBy = s.createdBy
            comment = s.comment
        }
    }

    struct PeerStatus: Encodable {
        let name: String
        let address: String
    }

    struct ClusterStatus: Encodable {
        let name: String
        let status: String
        let peers: [PeerStatus]
    }

    struct VersionInfo: Encodable {
        let version: String
        let revision: String
        let branch: String
        let buildUser: String
        let buildDate: String
        let goVersion: String
    }

    struct Config: Encodable { let original: String }

    /// `alertmanagerStatus`.
    struct Status: Encodable {
        let cluster: ClusterStatus
        let versionInfo: VersionInfo
        let config: Config
        let uptime: Date
    }
}
