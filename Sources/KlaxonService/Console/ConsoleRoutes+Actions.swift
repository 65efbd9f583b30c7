import Foundation
import Hummingbird
import KlaxonCore

/// The console's POSTs: each runs an `ApiActions` call for a signed-in session whose form
/// carries its CSRF value (or for a bearer-token caller), then redirects.
extension ConsoleRoutes {
    static func addActions(to router: Router<BasicRequestContext>, _ deps: ApiDependencies) {
        router.post("/alerts/:fingerprint/ack") { request, context -> Response in
            try await action(request, deps) { actor, _ in
                let fp = try ApiRoutes.fingerprint(context)
                let change = try await ApiActions.changeState(fp, actor: actor, deps, .acknowledge)
                return "/alerts/\(fp)?done=\(change.forwarded ? "forwarded" : "ack")"
            }
        }
        router.post("/alerts/:fingerprint/resolve") { request, context -> Response in
            try await action(request, deps) { actor, _ in
                let fp = try ApiRoutes.fingerprint(context)
                let change = try await ApiActions.changeState(fp, actor: actor, deps, .resolve)
                return "/alerts/\(fp)?done=\(change.forwarded ? "forwarded" : "resolve")"
            }
        }
        router.post("/alerts/:fingerprint/false-positive") { request, context -> Response in
            try await action(request, deps) { actor, form in
                let state = try ApiRoutes.alertState(context, deps)
                try await ApiActions.markFalsePositive(state.alert.fingerprint, reason: form["reason"] ?? "", by: actor, deps)
                return "/alerts/\(state.alert.fingerprint)?done=false-positive"
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
        router.post("/deliveries/:id/retry") { request, context -> Response in
            try await action(request, deps) { actor, _ in
                try ApiActions.retryDelivery(try ApiRoutes.deliveryID(context), actor: actor, deps)
                return "/deliveries?done=retry"
            }
        }
    }

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
