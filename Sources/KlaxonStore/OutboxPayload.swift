import Foundation
import KlaxonCore

/// How a notification is stored in `outbox.payload`: JSON (dates as milliseconds), the format
/// every earlier version wrote, so rows queued before an upgrade still decode.
enum OutboxPayload {
    static func encode(_ n: AlertNotification) throws -> Data { try encoder.encode(n) }
    static func decode(_ data: Data) throws -> AlertNotification { try decoder.decode(AlertNotification.self, from: data) }

    private static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .millisecondsSince1970
        return e
    }()
    private static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .millisecondsSince1970
        return d
    }()
}
