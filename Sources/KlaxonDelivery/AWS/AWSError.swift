import Foundation

/// An AWS error answer, from the XML of the query APIs (`<Code>`, `<Message>`) or the JSON of
/// the JSON and REST-JSON APIs (`__type`, `message`, or the `x-amzn-ErrorType` header).
struct AWSError: Sendable {
    var status: Int
    var code: String
    var message: String

    /// Codes that mean the credentials or the signature are wrong: retrying will not help.
    static let authCodes: Set<String> = [
        "SignatureDoesNotMatch", "InvalidSignatureException", "InvalidClientTokenId", "UnrecognizedClientException",
        "IncompleteSignature", "MissingAuthenticationToken", "AccessDenied", "AccessDeniedException",
        "AuthorizationError", "AuthFailure", "InvalidAccessKeyId", "NotAuthorized",
    ]
    /// Codes that mean "slow down / try later" whatever the status.
    static let throttleCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "TooManyRequestsException", "RequestLimitExceeded",
        "ServiceUnavailable", "ServiceUnavailableException", "InternalFailure", "InternalError", "RequestTimeout",
    ]

    init(status: Int, body: Data, headers: [(String, String)]) {
        self.status = status
        let text = String(decoding: body, as: UTF8.self)
        var code = headers.first { $0.0.lowercased() == "x-amzn-errortype" }?.1.split(separator: ":").first.map(String.init) ?? ""
        var message = ""
        if let json = try? JSONSerialization.jsonObject(with: body) as? [String: Any] {
            if code.isEmpty, let t = json["__type"] as? String ?? json["code"] as? String { code = t }
            message = json["message"] as? String ?? json["Message"] as? String ?? ""
        } else {
            if code.isEmpty { code = Self.element("Code", in: text) ?? "" }
            message = Self.element("Message", in: text) ?? ""
        }
        // `com.amazonaws.logs#ResourceNotFoundException` → `ResourceNotFoundException`.
        if let hash = code.lastIndex(of: "#") { code = String(code[code.index(after: hash)...]) }
        self.code = code.isEmpty ? "HTTP\(status)" : code
        self.message = message.isEmpty ? String(text.prefix(200)) : message
    }

    var isAuthFailure: Bool { Self.authCodes.contains(code) }

    /// Retriable for throttling, 408, 429 and 5xx; final for auth failures and other 4xx.
    var isRetriable: Bool {
        if isAuthFailure { return false }
        return Self.throttleCodes.contains(code) || status == 408 || status == 429 || status >= 500
    }

    func deliveryError(_ what: String, retryAfter: Duration?) -> DeliveryError {
        let kind = isAuthFailure ? " (authentication failed: check the access key and secret)" : ""
        return DeliveryError("\(what): HTTP \(status) \(code): \(message.prefix(300))\(kind)", isRetriable: isRetriable,
                             retryAfter: isRetriable ? retryAfter : nil)
    }

    static func element(_ name: String, in xml: String) -> String? {
        guard let start = xml.range(of: "<\(name)>"), let end = xml.range(of: "</\(name)>", range: start.upperBound..<xml.endIndex) else {
            return nil
        }
        return String(xml[start.upperBound..<end.lowerBound])
    }
}
