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
                let routing = deps.config.current.routing
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
        router.get("/routes") { request, _ -> Response in
            try await page(request, deps, title: "Routes", nav: "/routes") { _ in
                let routing = deps.config.current.routing
                return ("routes", ConsoleRoutesPage.make(routing, labels: parameters(request)["labels"] ?? "", now: Date()))
            }
        }
        router.get("/deliveries") { request, _ -> Response in
            try await page(request, deps, title: "Deliveries", nav: "/deliveries") { session in
                let integrations = deps.config.current.integrations
                return ("deliveries", ConsoleDeliveriesPage.make(
                    pending: try deps.outbox.list(filter: .pending, limit: 5000), dead: try deps.outbox.list(filter: .dead, limit: 5000),
                    delivered: try deps.outbox.counts()[.delivered] ?? 0,
                    integrations: integrations.flatMap { r, list in list.map { "\(r)/\($0.name)" } }, breaker: deps.breakerState,
                    session: session))
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
                let bySeverity = try ApiActions.report(window: window, by: ["severity"], deps, now: now)
                return ("kpis", ConsoleKPIPage.make(
                    since: since, bySeverity: bySeverity, bySource: try ApiActions.report(window: window, by: ["source"], deps, now: now),
                    records: try deps.history.incidents(since: bySeverity.since, until: bySeverity.until), error: nil))
            }
        }
        addActions(to: router, deps)
        addLogin(to: router, deps)
    }
}
