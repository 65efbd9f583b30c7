import AsyncHTTPClient
import Foundation
import KlaxonCore
import NIOCore
import NIOHTTP1

/// Signed calls to one AWS service at one endpoint, in the three wire protocols Klaxon's AWS
/// sinks need: Query (form-encoded, SNS), JSON 1.1 (`X-Amz-Target`, CloudWatch Logs) and
/// REST-JSON (Security Hub). Errors come back as `DeliveryError`s (see `AWSError`).
struct AWSClient: Sendable {
    /// Base URL, e.g. `https://sns.eu-west-1.amazonaws.com` or a local moto server.
    let endpoint: String
    let service: String
    let region: String
    let credentials: AWSCredentialsProvider
    let transport: HTTPTransport
    let timeout: Duration

    /// `https://SERVICE.REGION.amazonaws.com` unless `apiURL` overrides it (trailing `/` dropped).
    static func endpoint(_ apiURL: String?, service: String, region: String) -> String {
        var e = apiURL ?? "https://\(service).\(region).amazonaws.com"
        while e.hasSuffix("/") { e.removeLast() }
        return e
    }

    func query(action: String, version: String, params: [(String, String)]) async throws -> Data {
        let body = Data(AWSFormEncoding.encode([("Action", action), ("Version", version)] + params).utf8)
        return try await send(method: "POST", path: "/", body: body, what: "\(service) \(action)",
                              headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")])
    }

    func json(target: String, body: Data) async throws -> Data {
        let action = target.split(separator: ".").last.map(String.init) ?? target
        return try await send(method: "POST", path: "/", body: body, what: "\(service) \(action)",
                              headers: [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", target)])
    }

    func rest(method: String, path: String, body: Data, what: String) async throws -> Data {
        try await send(method: method, path: path, body: body, what: "\(service) \(what)", headers: [("Content-Type", "application/json")])
    }

    private func send(method: String, path: String, body: Data, what: String, headers: [(String, String)]) async throws -> Data {
        let creds: AWSCredentials
        do { creds = try credentials.credentials() } catch {
            throw DeliveryError("\(what): \(error)", isRetriable: false)
        }
        guard let address = ProxyAddress(endpoint) else { throw DeliveryError("\(what): bad endpoint \(RedactedURL(endpoint))", isRetriable: false) }
        let basePath = endpoint.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false).dropFirst(3).first.map { "/\($0)" } ?? ""
        let isDefaultPort = (endpoint.hasPrefix("https://") && address.port == 443) || (endpoint.hasPrefix("http://") && address.port == 80)
        let host = isDefaultPort ? address.host : "\(address.host):\(address.port)"
        let fullPath = basePath + path
        let signer = SigV4Signer(credentials: creds, region: region, service: service)
        let toSign = SigV4Signer.Request(method: method, path: fullPath, headers: [("Host", host)] + headers, body: body)
        var request = HTTPClientRequest(url: endpoint + path)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers + [("Host", host)] + signer.sign(toSign, at: Date()) { request.headers.replaceOrAdd(name: name, value: value) }
        request.headers.add(name: "User-Agent", value: "klaxon")
        request.body = .bytes(ByteBuffer(bytes: body))
        let answer = try await transport.send(request, timeout: timeout)
        guard answer.isSuccess else {
            let error = AWSError(status: answer.status, body: answer.body, headers: answer.headers.map { ($0.name, $0.value) })
            throw error.deliveryError(what, retryAfter: answer.headers.first(name: "Retry-After").flatMap(HTTPAnswer.retryAfter))
        }
        return answer.body
    }
}
