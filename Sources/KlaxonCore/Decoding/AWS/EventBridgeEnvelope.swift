import Foundation

/// The EventBridge envelope every AWS finding arrives in. Decoders route on `source` +
/// `detail-type` (never on file or topic names); the envelope `id` differs per delivery of the
/// same finding, so it is never part of an identity.
struct EventBridgeEnvelope {
    let root: Int
    let source: String
    let detailType: String
    let account: String?
    let region: String?
    let time: Date?
    let detail: Int

    init(doc: JSONDocument, root: Int, expectSource: String, detailTypes: [String]) throws(DecodeError) {
        self.root = try doc.requireObject(root)
        source = try doc.requireString(root, "source")
        detailType = try doc.requireString(root, "detail-type")
        guard source == expectSource else {
            throw DecodeError(path: "source", "expected \"\(expectSource)\", found \"\(source)\"")
        }
        guard detailTypes.contains(detailType) else {
            let list = detailTypes.map { "\"\($0)\"" }.joined(separator: ", ")
            throw DecodeError(path: "detail-type", "unsupported \"\(detailType)\" (expected \(list))")
        }
        account = try doc.optionalString(root, "account")
        region = try doc.optionalString(root, "region")
        time = try doc.optionalString(root, "time").flatMap(Timestamps.rfc3339)
        detail = try doc.requireObject(try doc.requireMember(root, "detail"))
    }
}
