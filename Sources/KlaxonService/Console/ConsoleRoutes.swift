import Foundation
import HTTPTypes
import Hummingbird
import KlaxonCore
import KlaxonStore
import Mustache

/// The web console: server-rendered HTML on the API's listener. Pages are open as the API's
/// reads are; every action goes through `ApiActions` (validated and audited as the API does)
/// and needs either a signed-in session and the session's CSRF value in the form, or the
/// API token as a bearer header (for scripts and `fetch`).
enum ConsoleRoutes {
    /// The first path segments the console answers (besides `/`); nothing under `/api` or `/-/`.
    static let sections: Set<String> = ["alerts", "silences", "routes", "deliveries", "kpis", "login", "logout", "console.css"]

    /// Whether a registered route path belongs to the console (the OpenAPI document leaves them out).
    static func serves(_ path: String) -> Bool {
        let first = path.split(separator: "/").first.map(String.init) ?? ""
        return path == "/" || path.isEmpty || sections.contains(first)
    }

    static func add(to router: Router<BasicRequestContext>, _ deps: ApiDependencies) {
        router.get("/console.css") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "text/css; charset=utf-8"
            headers[.cacheControl] = "max-age=300"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: PackageResources.console_css)))
        }
        router.get("/") { request, _ -> Response in
            try await page(request, deps, title: "Alerts", nav: "/") { _ in
                let now = Date()
                let query = ConsoleAlertsPage.Query(parameters(request))
                let listed = try await ApiActions.alerts(status: nil, deps, now: now)
                let routing = await deps.grouping.current.routing
                return ("alerts", ConsoleAlertsPage.make(listed, query: query, routing: routing, now: now, sources: deps.store.sources(of:)))
            }
        }
        router.get("/alerts/:fingerprint") { request, context -> Response in
            try await page(request, deps, title: "Alert", nav: "/") { session in
                let state = try ApiRoutes.alertState(context, deps)
                let now = Date()
                let explain = try await ExplainReport.make(state, deps: deps, now: now)
                let history = try deps.history.events(of: state.alert.fingerprint, current: state)
                return ("alert", ConsoleAlertPage.make(state, explain: explain, history: history, session: session, now: now))
            }
        }
        router.post("/alerts/:fingerprint/ack") { request, context -> Response in
            try await action(request, deps) { actor, _ in
                let state = try ApiRoutes.alertState(context, deps)
                _ = try await ApiActions.changeState(state, actor: actor, deps, action: "alert.ack", acknowledges: true, AlertLifecycle.acknowledge)
                return "/alerts/\(state.alert.fingerprint)?done=ack"
            }
        }
        router.post("/alerts/:fingerprint/resolve") { request, context -> Response in
            try await action(request, deps) { actor, _ in
                let state = try ApiRoutes.alertState(context, deps)
                _ = try await ApiActions.changeState(state, actor: actor, deps, action: "alert.resolve", AlertLifecycle.resolve)
                return "/alerts/\(state.alert.fingerprint)?done=resolve"
            }
        }
        router.post("/alerts/:fingerprint/false-positive") { request, context -> Response in
            try await action(request, deps) { actor, form in
                let state = try ApiRoutes.alertState(context, deps)
                try ApiActions.markFalsePositive(state, reason: form["reason"] ?? "", by: actor, deps)
                return "/alerts/\(state.alert.fingerprint)?done=false-positive"
            }
        }
        router.get("/silences") { request, _ -> Response in
            try await page(request, deps, title: "Silences", nav: "/silences") { session in
                let q = parameters(request)
                let now = Date()
                let alerts = try await ApiActions.alerts(status: nil, deps, now: now)
                let previewing = !(q["matchers"] ?? "").isEmpty
                return ("silences", ConsoleSilencesPage.make(
                    try deps.silences.all(), alerts: alerts, form: .init(q), previewing: previewing, error: nil, session: session, now: now,
                    sources: deps.store.sources(of:)))
            }
        }
        router.post("/silences") { request, _ -> Response in
            try await action(request, deps) { actor, form in
                let silence = try await ApiActions.createSilence(try ConsoleSilencesPage.Form(form).request(by: actor, now: Date()), deps)
                return "/silences?done=silence&id=\(silence.id)"
            }
        }
        router.post("/silences/:id/expire") { request, context -> Response in
            try await action(request, deps) { actor, _ in
                try await ApiActions.expireSilence(try context.parameters.require("id"), actor: actor, deps)
                return "/silences?done=expire"
            }
        }
        router.get("/routes") { request, _ -> Response in
            try await page(request, deps, title: "Routes", nav: "/routes") { _ in
                let routing = await deps.grouping.current.routing
                return ("routes", ConsoleRoutesPage.make(routing, labels: parameters(request)["labels"] ?? "", now: Date()))
            }
        }
        router.get("/deliveries") { request, _ -> Response in
            try await page(request, deps, title: "Deliveries", nav: "/deliveries") { session in
                let integrations = await deps.grouping.current.integrations
                return ("deliveries", ConsoleDeliveriesPage.make(
                    pending: try deps.outbox.list(filter: .pending, limit: 5000), dead: try deps.outbox.list(filter: .dead, limit: 5000),
                    delivered: try deps.outbox.counts()[.delivered] ?? 0,
                    integrations: integrations.flatMap { r, list in list.map { "\(r)/\($0.name)" } }, breaker: deps.breakerState,
                    session: session))
            }
        }
        router.post("/deliveries/:id/retry") { request, context -> Response in
            try await action(request, deps) { actor, _ in
                try ApiActions.retryDelivery(try ApiRoutes.deliveryID(context), actor: actor, deps)
                return "/deliveries?done=retry"
            }
        }
        router.get("/kpis") { request, _ -> Response in
            try await page(request, deps, title: "KPIs", nav: "/kpis") { _ in
                let since = parameters(request)["since"].flatMap { $0.isEmpty ? nil : $0 } ?? "30d"
                guard let window = ConfigDuration.parse(since), window > .zero else {
                    return ("kpis", ConsoleKPIPage.make(
                        since: since, bySeverity: nil, bySource: nil, error: "the window must be a duration such as 30d or 12h, got \(since)"))
                }
                let now = Date()
                return ("kpis", ConsoleKPIPage.make(
                    since: since, bySeverity: try ApiActions.report(window: window, by: ["severity"], deps, now: now),
                    bySource: try ApiActions.report(window: window, by: ["source"], deps, now: now), error: nil))
            }
        }
        addLogin(to: router, deps)
    }

    // MARK: Sign-in

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

    // MARK: Rendering

    struct NavItem {
        let href: String
        let label: String
        let current: Bool
    }

    struct Layout {
        let title: String
        let nav: [NavItem]
        let session: ConsoleSession?
        let csrf: String?
        let path: String
        let flash: Flash?
        let body: String
    }

    struct Flash {
        let kind: String
        let text: String
    }

    static let pages = [("/", "Alerts"), ("/silences", "Silences"), ("/routes", "Routes"), ("/deliveries", "Deliveries"), ("/kpis", "KPIs")]

    /// Messages after an action, by the `done` code the redirect carries (never free text).
    static let done = [
        "ack": "Acknowledged.", "resolve": "Resolved.", "false-positive": "Marked as a false positive.", "silence": "Silence created.",
        "expire": "Silence expired.", "retry": "Delivery queued again.", "login": "Logged in.", "logout": "Logged out.",
    ]

    /// Renders a page (or, for an `ApiFailure`, an error page with its status).
    static func page(
        _ request: Request, _ deps: ApiDependencies, title: String, nav: String,
        _ body: (ConsoleSession?) async throws -> (String, Any)
    ) async throws -> Response {
        let session = ConsoleSession.read(request, key: deps.token.sessionKey, now: Date())
        let flash = parameters(request)["done"].flatMap { done[$0] }.map { Flash(kind: "ok", text: $0) }
        do {
            let (template, view) = try await body(session)
            return render(template, view, title: title, nav: nav, request: request, session: session, flash: flash)
        } catch let failure as ApiFailure {
            return errorPage(failure, request: request, session: session)
        }
    }

    static func render(
        _ template: String, _ view: Any, title: String, nav: String, request: Request, session: ConsoleSession?, flash: Flash?
    ) -> Response {
        let body = ConsoleTemplates.library.render(view, withTemplate: template) ?? ""
        let layout = Layout(
            title: title, nav: pages.map { NavItem(href: $0.0, label: $0.1, current: $0.0 == nav) }, session: session, csrf: session?.csrf,
            path: request.uri.path, flash: flash, body: body)
        let html = ConsoleTemplates.library.render(layout, withTemplate: "layout") ?? ""
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        // No script, no framing, forms only to this origin; styles from /console.css only.
        headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    static func errorPage(_ failure: ApiFailure, request: Request, session: ConsoleSession?) -> Response {
        struct ErrorView { let title: String; let message: String }
        let title = switch failure.kind {
        case .notFound: "Not found"
        case .unauthorized, .forbidden: "Not allowed"
        case .conflict: "Not possible now"
        default: "Cannot do that"
        }
        var r = render("error", ErrorView(title: title, message: failure.message), title: title, nav: "", request: request, session: session, flash: nil)
        r.status = HTTPResponse.Status(code: failure.kind.rawValue)
        return r
    }

    static func redirect(_ location: String) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        headers[.cacheControl] = "no-store"
        return Response(status: .seeOther, headers: headers)
    }

    // MARK: Actions

    /// Runs an action for an authenticated, CSRF-checked request, then redirects to the path it
    /// returns (POST, redirect, GET). Refusals and failures render an error page with the status.
    static func action(
        _ request: Request, _ deps: ApiDependencies, _ body: (_ actor: String, _ form: [String: String]) async throws -> String
    ) async throws -> Response {
        let session = ConsoleSession.read(request, key: deps.token.sessionKey, now: Date())
        do {
            let form = try await formFields(request)
            let actor = try authorize(request, form: form, session: session, deps)
            var response = redirect(try await body(actor, form))
            if request.uri.path == "/logout" { response.setCookie(ConsoleSession.cleared) }
            return response
        } catch let failure as ApiFailure {
            return errorPage(failure, request: request, session: session)
        }
    }

    /// Who acts: the bearer token's caller (`X-Klaxon-Actor`, default `console`), or the
    /// signed-in session when the form carries its CSRF value.
    static func authorize(_ request: Request, form: [String: String], session: ConsoleSession?, _ deps: ApiDependencies) throws(ApiFailure) -> String {
        guard deps.token.isConfigured else { throw ApiFailure(.forbidden, disabled) }
        if request.headers[.authorization] != nil {
            try ApiRoutes.authorize(request, deps.token)
            return request.headers.first { $0.name.canonicalName == "x-klaxon-actor" }?.value ?? "console"
        }
        guard let session else { throw ApiFailure(.unauthorized, "log in with the API token first (/login)") }
        guard session.accepts(csrf: form["csrf"]) else {
            throw ApiFailure(.forbidden, "the form's CSRF value is missing or not this session's: reload the page and try again")
        }
        return session.name
    }

    /// Query parameters as a form sends them (`+` is a space), the last value of each name.
    static func parameters(_ request: Request) -> [String: String] {
        fields(request.uri.query ?? "")
    }

    /// An `application/x-www-form-urlencoded` body (at most 64 KiB).
    static func formFields(_ request: Request) async throws -> [String: String] {
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: 1 << 16) } catch { throw ApiFailure(.badRequest, "the form is larger than 64 KiB") }
        return fields(String(buffer: body))
    }

    static func fields(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s)
            }
            guard let key = parts.first.map(decode), !key.isEmpty else { continue }
            out[key] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return out
    }
}
