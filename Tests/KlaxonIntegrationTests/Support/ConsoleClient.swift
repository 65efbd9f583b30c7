import AsyncHTTPClient
import Foundation
import KlaxonTesting
import NIOCore
import NIOHTTP1

/// A browser's requests to the console, made by hand: no redirects followed, cookies and form
/// bodies explicit, so a test sees each refusal and each `Set-Cookie`.
final class ConsoleClient: Sendable {
    let base: String
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))

    init(base: String) { self.base = base }

    func shutdown() async { try? await client.shutdown() }

    struct Reply {
        let status: Int
        let headers: HTTPHeaders
        let body: String
        var location: String? { headers.first(name: "location") }
        /// `name=value` of the Set-Cookie header, without its attributes.
        var cookie: String? { headers.first(name: "set-cookie").map { String($0.split(separator: ";")[0]) } }
    }

    func get(_ path: String, cookie: String? = nil) async throws -> Reply {
        try await send(.GET, path, cookie: cookie)
    }

    /// A form POST, as a browser sends it.
    func post(_ path: String, form: [String: String] = [:], cookie: String? = nil, bearer: String? = nil) async throws -> Reply {
        var c = URLComponents()
        c.queryItems = form.map { URLQueryItem(name: $0.key, value: $0.value) }
        let body = (c.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
        return try await send(.POST, path, cookie: cookie, bearer: bearer, body: body)
    }

    func send(_ method: HTTPMethod, _ path: String, cookie: String? = nil, bearer: String? = nil, body: String? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let cookie { request.headers.add(name: "cookie", value: cookie) }
        if let bearer { request.headers.add(name: "authorization", value: "Bearer \(bearer)") }
        if let body {
            request.headers.add(name: "content-type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 8 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
    }

    /// Logs in as `name` and returns the session cookie and the page's CSRF value.
    func login(_ name: String = "dana") async throws -> (cookie: String, csrf: String) {
        let r = try await post("/login", form: ["name": name, "token": "tok", "next": "/"])
        guard r.status == 303, let cookie = r.cookie else { throw TimedOut(what: "login answered \(r.status): \(r.body.prefix(500))") }
        let page = try await get("/", cookie: cookie)
        guard let csrf = Self.csrf(in: page.body) else { throw TimedOut(what: "no CSRF value on the page after login") }
        return (cookie, csrf)
    }

    static func csrf(in html: String) -> String? {
        guard let r = html.range(of: #"name="csrf" value=""#) else { return nil }
        return String(html[r.upperBound...].prefix { $0 != "\"" })
    }
}
