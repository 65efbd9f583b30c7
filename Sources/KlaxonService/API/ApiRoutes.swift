import Foundation
import Hummingbird
import KlaxonCore
import KlaxonStore
import Logging

/// What the HTTP API works on.
struct ApiDependencies: Sendable {
    let store: AlertStore
    let silences: SilenceStore
    /// Where silences and false-positive marks are written (`ControlTopic` in the service):
    /// the stores above are its materialised view, read but never written by the API.
    let control: any ControlLog
    let audit: AuditLog
    let grouping: GroupingEngine
    /// The configuration in force (routing, integrations).
    let config: ActiveConfig
    let noise: NoiseGate
    let falsePositives: FalsePositiveStore
    let outbox: Outbox
    let history: AlertHistory
    /// Wakes the dispatcher (after a retry put entries back in the queue).
    var nudgeDelivery: @Sendable () -> Void = {}
    /// Vulnerability coverage at a time, for the report; nil leaves it out.
    var coverage: (@Sendable (Date) throws -> CoverageEvaluation)? = nil
    let token: ApiToken
    /// Reloads the configuration; the result says whether the new one was taken.
    let reload: @Sendable (_ actor: String) async -> ReloadOutcome
    /// The circuit breaker state of an integration (`receiver/integration`): `closed`, `open`,
    /// `half-open`; nil before its first send. For the console's deliveries page.
    var breakerState: @Sendable (_ lane: String) -> String? = { _ in nil }
    /// The Alertmanager API v2's producer and settings; nil: its push answers 503.
    var alertmanager: AlertmanagerV2Context? = nil
    /// Sends acknowledgements and resolves of alerts another instance owns to their owner; nil
    /// (one store, no partitions): every alert is changed here.
    var commands: AlertCommandForwarder? = nil
}

extension ApiDependencies {
    /// The alerts this instance lists: all it keeps, less the stale copies of partitions it
    /// gave away (their owner lists them).
    func heldStates() throws -> [AlertState] {
        guard let held = commands?.ownership.heldNow() else { return try store.states() }
        return try store.states(held: held)
    }
}

/// `/api/v1/silences`, `/api/v1/alerts`, `/-/reload`. Reads are open; every call that changes
/// state needs `Authorization: Bearer <token>`.
enum ApiRoutes {
    static func add(to router: Router<BasicRequestContext>, _ deps: ApiDependencies) {
        router.get("/api/v1/silences") { _, _ -> Response in
            try handle {
                let now = Date()
                return try json(.ok, try deps.silences.all().map { SilenceView(silence: $0, state: $0.state(at: now)) })
            }
        }
        router.get("/api/v1/silences/:id") { _, context -> Response in
            try handle {
                let id = try context.parameters.require("id")
                guard let s = try deps.silences.get(id) else { throw ApiFailure(.notFound, "no silence \(id)") }
                return try json(.ok, SilenceView(silence: s, state: s.state(at: Date())))
            }
        }
        router.post("/api/v1/silences") { request, _ -> Response in
            try await handleAsync {
                try authorize(request, deps.token)
                let body = try await request.body.collect(upTo: 1 << 20)
                let parsed: SilenceRequest
                do { parsed = try ApiJSON.decoder.decode(SilenceRequest.self, from: Data(buffer: body)) } catch {
                    throw ApiFailure(.badRequest, "invalid silence: \(describe(error))")
                }
                let silence = try await ApiActions.createSilence(parsed, deps)
                return try json(.ok, ["silenceID": silence.id])
            }
        }
        router.delete("/api/v1/silences/:id") { request, context -> Response in
            try await handleAsync {
                try authorize(request, deps.token)
                try await ApiActions.expireSilence(try context.parameters.require("id"), actor: actor(request), deps)
                return Response(status: .ok)
            }
        }
        router.get("/api/v1/alerts") { request, _ -> Response in
            try await handleAsync {
                let listed = try await ApiActions.alerts(status: request.uri.queryParameters["status"].map(String.init), deps, now: Date())
                return try json(.ok, listed.map { AlertView($0.state, silencedBy: $0.silencedBy, inhibited: $0.inhibited) })
            }
        }
        router.get("/api/v1/alerts/:fingerprint/explain") { _, context -> Response in
            try await handleAsync {
                let state = try alertState(context, deps)
                return try json(.ok, try await ExplainReport.make(state, deps: deps, now: Date()))
            }
        }
        router.get("/api/v1/alerts/:fingerprint/history") { _, context -> Response in
            try handle {
                let state = try alertState(context, deps)
                return try json(.ok, try deps.history.events(of: state.alert.fingerprint, current: state))
            }
        }
        router.post("/api/v1/alerts/:fingerprint/false-positive") { request, context -> Response in
            try await handleAsync {
                try authorize(request, deps.token)
                let fp = try fingerprint(context)
                let body = try await request.body.collect(upTo: 1 << 16)
                let fields = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
                try await ApiActions.markFalsePositive(
                    fp, reason: fields["reason"] as? String ?? "", by: fields["by"] as? String ?? actor(request), deps)
                return try json(.ok, ["fingerprint": fp.description, "falsePositive": "true"])
            }
        }
        router.delete("/api/v1/alerts/:fingerprint/false-positive") { request, context -> Response in
            try await handleAsync {
                try authorize(request, deps.token)
                let fp = try fingerprint(context)
                try await ApiActions.unmarkFalsePositive(fp, by: actor(request), deps)
                return try json(.ok, ["fingerprint": fp.description, "falsePositive": "false"])
            }
        }
        router.get("/api/v1/false-positives") { _, _ -> Response in
            try handle {
                try json(.ok, try deps.falsePositives.all().map {
                    FalsePositiveView(fingerprint: $0.fingerprint.description, reason: $0.reason, markedBy: $0.markedBy, markedAt: $0.markedAt)
                })
            }
        }
        router.post("/api/v1/alerts/:fingerprint/ack") { request, context -> Response in
            try await handleAsync {
                try await changeState(request, context, deps, .acknowledge)
            }
        }
        router.post("/api/v1/alerts/:fingerprint/resolve") { request, context -> Response in
            try await handleAsync { try await changeState(request, context, deps, .resolve) }
        }
        router.get("/api/v1/report") { request, _ -> Response in
            try handle {
                let q = request.uri.queryParameters
                let sinceText = q["since"].map(String.init) ?? "30d"
                guard let window = ConfigDuration.parse(sinceText), window > .zero else {
                    throw ApiFailure(.badRequest, "since must be a duration such as 30d or 12h, got \(sinceText)")
                }
                let by = (q["by"].map(String.init) ?? "severity,source").split(separator: ",").map {
                    $0.trimmingCharacters(in: .whitespaces)
                }.filter { !$0.isEmpty }
                return try json(.ok, try ApiActions.report(window: window, by: by, deps, now: Date()))
            }
        }
        router.get("/api/v1/audit") { request, _ -> Response in
            try handle {
                // The audit log names people and what they did: token required, as for changes.
                try authorize(request, deps.token)
                let q = request.uri.queryParameters
                var since = Date.distantPast
                if let text = q["since"].map(String.init) {
                    guard let d = ConfigDuration.parse(text) else { throw ApiFailure(.badRequest, "since must be a duration such as 7d, got \(text)") }
                    since = Date().addingTimeInterval(-Double(d.components.seconds))
                }
                let actor = q["actor"].map(String.init)
                let action = q["action"].map(String.init)
                let entries = try deps.audit.entries(limit: 10_000).filter {
                    $0.at >= since && (actor == nil || $0.actor == actor) && (action == nil || $0.action == action)
                }
                return try json(.ok, entries.map(AuditView.init))
            }
        }
        router.get("/api/v1/stats") { _, _ -> Response in
            try handle {
                let rates = try deps.falsePositives.rates().map { source, v in
                    ["source": source, "alerts": "\(v.alerts)", "false_positives": "\(v.falsePositives)",
                     "false_positive_rate": String(format: "%.4f", v.alerts == 0 ? 0 : Double(v.falsePositives) / Double(v.alerts))]
                }.sorted { $0["source"]! < $1["source"]! }
                return try json(.ok, ["sources": rates])
            }
        }
        addDeliveries(to: router, deps)
        router.post("/-/reload") { request, _ -> Response in
            try await handleAsync {
                try authorize(request, deps.token)
                let outcome = await deps.reload(actor(request))
                return try json(outcome.ok ? .ok : .internalServerError, outcome)
            }
        }
    }

    /// `POST /api/v1/alerts/:fingerprint/ack|resolve` (`ApiActions.changeState`): 200 with the
    /// alert when applied here, 202 when sent to the instance that owns it.
    static func changeState(
        _ request: Request, _ context: BasicRequestContext, _ deps: ApiDependencies, _ action: AlertCommand.Action
    ) async throws -> Response {
        try authorize(request, deps.token)
        let fp = try fingerprint(context)
        switch try await ApiActions.changeState(fp, actor: actor(request), deps, action) {
        case .applied(let next):
            return try json(.ok, AlertView(next))
        case .forwarded(let partition):
            return try json(.accepted, [
                "fingerprint": fp.description, "action": action.rawValue, "status": "forwarded",
                "detail": "another instance owns this alert; sent to it through partition \(partition)",
            ])
        }
    }

    static func alertState(_ context: BasicRequestContext, _ deps: ApiDependencies) throws -> AlertState {
        let fp = try fingerprint(context)
        guard let state = try deps.store.state(of: fp) else { throw ApiFailure(.notFound, "no alert \(fp)") }
        return state
    }

    /// The `:fingerprint` path parameter.
    static func fingerprint(_ context: BasicRequestContext) throws -> Fingerprint {
        let text = try context.parameters.require("fingerprint")
        guard let fp = Fingerprint(hex: text) else { throw ApiFailure(.badRequest, "a fingerprint is 16 hex digits, got \(text)") }
        return fp
    }

    static func authorize(_ request: Request, _ token: ApiToken) throws(ApiFailure) {
        guard token.isConfigured else {
            throw ApiFailure(.forbidden, "state-changing API calls are disabled: no API token is configured (http.token_file or $KLAXON_API_TOKEN)")
        }
        guard token.accepts(authorization: request.headers[.authorization]) else {
            throw ApiFailure(.unauthorized, "a valid bearer token is required")
        }
    }

    static func actor(_ request: Request) -> String {
        request.headers.first { $0.name.canonicalName == "x-klaxon-actor" }?.value ?? "api"
    }

    static func json(_ status: HTTPResponse.Status, _ value: some Encodable) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: try ApiJSON.encoder.encode(value))))
    }

    static func handle(_ body: () throws -> Response) throws -> Response {
        do { return try body() } catch let failure as ApiFailure { return try errorResponse(failure) }
    }

    static func handleAsync(_ body: () async throws -> Response) async throws -> Response {
        do { return try await body() } catch let failure as ApiFailure { return try errorResponse(failure) }
    }

    static func errorResponse(_ failure: ApiFailure) throws -> Response {
        var response = try json(HTTPResponse.Status(code: failure.kind.rawValue), ["error": failure.message])
        if failure.kind == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
        return response
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let ctx):
            return "missing \((ctx.codingPath + [key]).map(\.stringValue).joined(separator: "."))"
        case DecodingError.typeMismatch(_, let ctx), DecodingError.valueNotFound(_, let ctx), DecodingError.dataCorrupted(let ctx):
            let path = ctx.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? ctx.debugDescription : "\(path): \(ctx.debugDescription)"
        default:
            return "\(error)"
        }
    }
}

/// A false-positive mark as `GET /api/v1/false-positives` shows it (`klaxon gate --api` reads it).
struct FalsePositiveView: Encodable {
    let fingerprint: String
    let reason: String
    let markedBy: String
    let markedAt: Date
}

/// An alert's state as the API shows it.
struct AlertView: Encodable {
    let fingerprint: String
    let status: String
    let labels: [String: String]
    let annotations: [String: String]
    let severity: Severity
    /// Its `source` label, or the source of an alert in Alertmanager's shape (which has none).
    let source: String?
    let firstSeenAt: Date
    let lastSeenAt: Date
    let occurrences: Int
    let regressions: Int
    let acknowledgedAt: Date?
    let resolvedAt: Date?
    /// Ids of the silences muting the alert now (empty when none, or resolved).
    let silencedBy: [String]
    /// Whether an inhibition rule mutes it now.
    let inhibited: Bool

    init(_ s: AlertState, silencedBy: [String] = [], inhibited: Bool = false) {
        self.silencedBy = silencedBy
        self.inhibited = inhibited
        fingerprint = s.alert.fingerprint.description
        status = s.status.rawValue
        labels = s.alert.labels
        annotations = s.alert.annotations
        severity = s.alert.severity
        source = s.alert.source
        firstSeenAt = s.firstSeenAt
        lastSeenAt = s.lastSeenAt
        occurrences = s.occurrences
        regressions = s.regressions
        acknowledgedAt = s.acknowledgedAt
        resolvedAt = s.resolvedAt
    }
}

/// An audit log entry as the API shows it.
struct AuditView: Encodable {
    let at: Date
    let actor: String
    let action: String
    let subject: String
    let detail: String

    init(_ e: AuditLog.Entry) {
        at = e.at
        actor = e.actor
        action = e.action
        subject = e.subject
        detail = e.detail
    }
}

/// The answer to a reload.
struct ReloadOutcome: Encodable, Sendable {
    let ok: Bool
    let message: String
}
