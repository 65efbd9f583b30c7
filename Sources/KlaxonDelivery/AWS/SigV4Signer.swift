import Crypto
import Foundation

/// AWS Signature Version 4 (`AWS4-HMAC-SHA256`) for one service and region. Pure: the time is
/// passed in, nothing is sent. Proven against AWS's published test suite (`SigV4SignerTests`).
public struct SigV4Signer: Sendable {
    /// What is signed: the method, the path as sent on the wire, the decoded query items, every
    /// header to sign (`host` included) and the body.
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var query: [(String, String)]
        public var headers: [(String, String)]
        public var body: Data

        public init(method: String, path: String = "/", query: [(String, String)] = [], headers: [(String, String)], body: Data = Data()) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
            self.body = body
        }
    }

    public let credentials: AWSCredentials
    public let region: String
    public let service: String
    /// Adds and signs `x-amz-content-sha256` (S3 wants it; the query and JSON APIs accept it).
    public var signPayloadHeader: Bool

    public init(credentials: AWSCredentials, region: String, service: String, signPayloadHeader: Bool = false) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.signPayloadHeader = signPayloadHeader
    }

    /// The headers to add to the request: `X-Amz-Date`, `X-Amz-Security-Token` (with a session
    /// token), `x-amz-content-sha256` (when asked) and `Authorization`.
    public func sign(_ request: Request, at date: Date) -> [(String, String)] {
        let (request, added) = prepared(request, at: date)
        let (canonical, signedHeaders) = canonicalRequest(request)
        let signature = signature(stringToSign: stringToSign(canonicalRequest: canonical, at: date), at: date)
        let authorization = "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope(date)), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return added + [("Authorization", authorization)]
    }

    /// The request with the headers the signer adds, and those headers.
    public func prepared(_ request: Request, at date: Date) -> (Request, [(String, String)]) {
        var added: [(String, String)] = [("X-Amz-Date", Self.amzDate(date))]
        if let token = credentials.sessionToken { added.append(("X-Amz-Security-Token", token)) }
        if signPayloadHeader { added.append(("x-amz-content-sha256", SHA256.hash(data: request.body).hexString)) }
        var r = request
        r.headers += added
        return (r, added)
    }

    /// The canonical request and its signed-header list (task 1 of the signing process).
    public func canonicalRequest(_ r: Request) -> (String, String) {
        var byName: [String: [String]] = [:]
        for (name, value) in r.headers {
            let trimmed = value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
            byName[name.lowercased(), default: []].append(trimmed)
        }
        let names = byName.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(byName[$0]!.joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let encoded: [(key: String, value: String)] = r.query.map { (key: Self.encode($0.0), value: Self.encode($0.1)) }
        let sorted = encoded.sorted { (a, b) -> Bool in a.key == b.key ? a.value < b.value : a.key < b.key }
        let query = sorted.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
        let path = r.path.isEmpty ? "/" : r.path.split(separator: "/", omittingEmptySubsequences: false)
            .map { Self.encode(String($0)) }.joined(separator: "/")
        let canonical = [r.method, path, query, canonicalHeaders, signedHeaders, SHA256.hash(data: r.body).hexString]
            .joined(separator: "\n")
        return (canonical, signedHeaders)
    }

    /// Task 2: the string to sign.
    public func stringToSign(canonicalRequest: String, at date: Date) -> String {
        ["AWS4-HMAC-SHA256", Self.amzDate(date), scope(date), SHA256.hash(data: Data(canonicalRequest.utf8)).hexString]
            .joined(separator: "\n")
    }

    /// Task 3: the hex signature, with the key derived for the day, region and service.
    public func signature(stringToSign: String, at date: Date) -> String {
        var key = SymmetricKey(data: Data("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [Self.day(date), region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key).hexString
    }

    func scope(_ date: Date) -> String { "\(Self.day(date))/\(region)/\(service)/aws4_request" }

    /// RFC 3986 percent-encoding: unreserved characters (`A-Z a-z 0-9 - . _ ~`) kept, every other
    /// UTF-8 byte `%XX` upper case.
    public static func encode(_ s: String) -> String {
        var out = ""
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// `yyyyMMdd'T'HHmmss'Z'` in UTC.
    public static func amzDate(_ date: Date) -> String {
        let c = utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }

    static func day(_ date: Date) -> String { String(amzDate(date).prefix(8)) }

    private static let utc: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        return c
    }()
}
