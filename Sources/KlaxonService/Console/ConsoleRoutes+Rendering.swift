import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// Pages in the layout, error pages and redirects, with the headers every console page carries.
extension ConsoleRoutes {
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
        "ack": "Acknowledged.", "resolve": "Resolved.",
        "forwarded": "Sent to the instance that owns this alert; it applies the change in a moment.", "false-positive": "Marked as a false positive.", "silence": "Silence created.",
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
}
