import Crypto
import Foundation

/// Standard Webhooks signing (standardwebhooks.com): `webhook-signature: v1,<base64 of
/// HMAC-SHA256(key, id + "." + timestamp + "." + body)>`, where the key is the base64 part of a
/// `whsec_…` secret and the timestamp is in Unix seconds.
public struct StandardWebhookSigner: Sendable {
    let key: SymmetricKey

    /// - Throws: `TransportSetupError` when the secret is not `whsec_` followed by base64.
    public init(secret: String) throws {
        let encoded = secret.hasPrefix("whsec_") ? String(secret.dropFirst(6)) : secret
        guard let bytes = Data(base64Encoded: encoded), !bytes.isEmpty else {
            throw TransportSetupError("standard webhooks secret must be whsec_ followed by base64")
        }
        key = SymmetricKey(data: bytes)
    }

    func signature(id: String, timestamp: String, body: Data) -> String {
        var mac = HMAC<SHA256>(key: key)
        mac.update(data: Data("\(id).\(timestamp).".utf8))
        mac.update(data: body)
        return "v1," + Data(mac.finalize()).base64EncodedString()
    }

    func headers(id: String, at date: Date, body: Data) -> [(String, String)] {
        let ts = String(Int(date.timeIntervalSince1970))
        return [("webhook-id", id), ("webhook-timestamp", ts), ("webhook-signature", signature(id: id, timestamp: ts, body: body))]
    }
}
