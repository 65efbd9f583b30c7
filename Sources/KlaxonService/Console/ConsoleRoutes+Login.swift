import Foundation
import Hummingbird

/// `/login` and `/logout`: the API token once, then a signed session cookie.
extension ConsoleRoutes {
    static func addLogin(to router: Router<BasicRequestContext>, _ deps: ApiDependencies) {
        router.get("/login") { request, _ -> Response in
            try await page(request, deps, title: "Log in", nav: "") { _ in
                let q = parameters(request)
                return ("login", LoginView(next: safeNext(q["next"]), name: "", error: deps.token.isConfigured ? nil : disabled))
            }
        }
        router.post("/login") { request, _ -> Response in
            let form = try await formFields(request)
            let next = safeNext(form["next"])
            let name = (form["name"] ?? "").trimmingCharacters(in: .whitespaces)
            func refuse(_ status: HTTPResponse.Status, _ message: String) throws -> Response {
                var r = render("login", LoginView(next: next, name: name, error: message), title: "Log in", nav: "", request: request, session: nil, flash: nil)
                r.status = status
                return r
            }
            guard deps.token.isConfigured, let key = deps.token.sessionKey else { return try refuse(.forbidden, disabled) }
            guard !name.isEmpty, name.count <= 64, name.unicodeScalars.allSatisfy(ConsoleSession.nameCharacters.contains) else {
                return try refuse(.badRequest, "a name is 1–64 letters, digits, or . _ @ -")
            }
            guard deps.token.accepts(token: form["token"] ?? "") else { return try refuse(.unauthorized, "that is not the API token") }
            let now = Date()
            let (_, cookie) = ConsoleSession.issue(name: name, key: key, now: now)
            try deps.audit.record(actor: name, action: "console.login", subject: "console", at: now)
            var response = redirect(next + (next.contains("?") ? "&" : "?") + "done=login")
            response.setCookie(cookie)
            return response
        }
        router.post("/logout") { request, _ -> Response in
            try await action(request, deps) { _, _ in "/?done=logout" }
        }
    }

    struct LoginView {
        let next: String
        let name: String
        let error: String?
    }

    static let disabled = "actions are disabled: no API token is configured (http.token_file or $KLAXON_API_TOKEN)"

    /// Only a local path: a login link must not send anyone elsewhere.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\") else { return "/" }
        return next
    }
}
