import Crypto
import Foundation
import KlaxonCore

/// A PagerDuty Events API v2 event (`/v2/enqueue`).
public struct PagerDutyEvent: Encodable {
    /// `trigger`, `acknowledge` or `resolve`.
    public enum Action: String, Encodable, Sendable { case trigger, acknowledge, resolve }

    struct Payload: Encodable {
        let summary: String
        let source: String
        let severity: String
        let timestamp: String?
        let component: String?
        let group: String?
        let `class`: String?
        let custom_details: [String: String]
    }

    struct Link: Encodable {
        let href: String
        let text: String
    }

    struct Image: Encodable {
        let src: String
        let alt: String?
        let href: String?
    }

    let routing_key: String
    let event_action: Action
    let dedup_key: String
    let payload: Payload?
    let client: String?
    let client_url: String?
    let links: [Link]?
    let images: [Image]?

    /// PagerDuty's severities from Klaxon's 0–100 score: critical ≥ 90, error 70–89, warning 40–69, info below.
    static func severity(score: Int) -> String {
        switch score {
        case 90...: "critical"
        case 70..<90: "error"
        case 40..<70: "warning"
        default: "info"
        }
    }

    static let severities: Set<String> = ["critical", "error", "warning", "info"]

    /// The same for every notification of a group (firing, then resolved): hex SHA-256 of the
    /// group key, as Alertmanager keys its PagerDuty incidents.
    static func dedupKey(groupKey: String) -> String {
        SHA256.hash(data: Data(groupKey.utf8)).hexString
    }
}
