import Foundation
import Hummingbird
import KlaxonCore
import KlaxonStore

extension AlertmanagerV2Routes {
    /// `GET/POST /api/v2/silences`, `GET/DELETE /api/v2/silence/{id}`: Klaxon silences (the same
    /// control topic, audit log and muting as `/api/v1/silences`), in Alertmanager's shapes.
    static func addSilences(to router: Router<BasicRequestContext>, _ deps: ApiDependencies, _ config: AlertmanagerAPIConfig) {
        router.get("/api/v2/silences") { request, _ -> Response in
            try await handle {
                try authorizeRead(request, deps, config)
                let q = request.uri.queryParameters
                var filter: [Matcher] = []
                for text in q.getAll("filter") {
                    do { filter.append(try Matcher(parsing: String(text))) } catch {
                        throw ApiFailure(.badRequest, "bad matcher format: \(text): \((error as? MatcherError)?.message ?? "\(error)")")
                    }
                }
                let creators = Set(q.getAll("creator").map { String($0) })
                let now = Date()
                // Alertmanager's filter: the silence's matchers read as a label set must match.
                let silences = try deps.silences.all().filter { s in
                    let asLabels = Dictionary(s.matchers.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
                    return filter.matches(asLabels) && (creators.isEmpty || creators.contains(s.createdBy))
                }
                return try json(.ok, sorted(silences, now: now).map { AlertmanagerV2JSON.Silence($0, now: now) })
            }
        }
        router.get("/api/v2/silence/:silenceID") { request, context -> Response in
            try await handle {
                try authorizeRead(request, deps, config)
                let id = try context.parameters.require("silenceID")
                guard let s = try deps.silences.get(id) else { throw ApiFailure(.notFound, "silence \(id) not found") }
                return try json(.ok, AlertmanagerV2JSON.Silence(s, now: Date()))
            }
        }
        router.post("/api/v2/silences") { request, _ -> Response in
            try await handle {
                try ApiRoutes.authorize(request, deps.token)
                let body = try await request.body.collect(upTo: min(config.maxRequestBytes, 1 << 20))
                let data = Data(buffer: body)
                let parsed: SilenceRequest
                let id: String?
                do {
                    parsed = try ApiJSON.decoder.decode(SilenceRequest.self, from: data)
                    id = try ApiJSON.decoder.decode(SilenceID.self, from: data).id.flatMap { $0.isEmpty ? nil : $0 }
                } catch {
                    throw ApiFailure(.badRequest, "invalid silence: \(ApiRoutes.describe(error))")
                }
                let now = Date()
                let candidate = try parsed.silence(id: UUID().uuidString.lowercased(), now: now)
                enum Outcome: Sendable { case same(String), created(replaced: String?) }
                let outcome = try await deps.control.write { [silences = deps.silences] () throws -> (Outcome, [ControlRecord]) in
                    let all = try silences.snapshot().silences
                    var replaced: Silence?
                    if let id {
                        guard let old = all.first(where: { $0.id == id }) else { throw ApiFailure(.notFound, "silence \(id) not found") }
                        replaced = old
                    }
                    // The same silence posted again (an import run twice, a retried request) is the
                    // silence already there, not a second one.
                    if let same = all.first(where: { $0.state(at: now) != .expired && Self.same($0, candidate, requestedStart: parsed.startsAt, now: now) }) {
                        return (.same(same.id), [])
                    }
                    // Alertmanager updates by replacing: the old one expires, the new one takes over.
                    if let old = replaced, old.state(at: now) != .expired {
                        return (.created(replaced: old.id), [.silence(old.expired(at: now)), .silence(candidate)])
                    }
                    return (.created(replaced: nil), [.silence(candidate)])
                }
                switch outcome {
                case let .same(id):
                    return try json(.ok, ["silenceID": id])
                case let .created(replaced):
                    if let replaced {
                        try deps.audit.record(actor: candidate.createdBy, action: "silence.expire", subject: replaced, detail: "replaced by \(candidate.id)", at: now)
                    }
                    try deps.audit.record(
                        actor: candidate.createdBy, action: "silence.create", subject: candidate.id,
                        detail: "\(candidate.matchers.map(\.description).joined(separator: ", ")): \(candidate.comment)", at: now)
                    return try json(.ok, ["silenceID": candidate.id])
                }
            }
        }
        router.delete("/api/v2/silence/:silenceID") { request, context -> Response in
            try await handle {
                try ApiRoutes.authorize(request, deps.token)
                let id = try context.parameters.require("silenceID")
                let now = Date()
                try await deps.control.write { [silences = deps.silences] in
                    guard let s = try silences.get(id) else { throw ApiFailure(.notFound, "silence \(id) not found") }
                    guard s.state(at: now) != .expired else { throw ApiFailure(.serverError, "silence \(id) already expired") }
                    return ((), [.silence(s.expired(at: now))])
                }
                try deps.audit.record(actor: ApiRoutes.actor(request), action: "silence.expire", subject: id, at: now)
                return Response(status: .ok)
            }
        }
    }

    struct SilenceID: Decodable { let id: String? }

    /// Equal matchers (in any order), end, creator and comment, and the same start: equal
    /// instants, or both already begun (a start in the past means "from now", so a silence
    /// posted again later starts where the first one did).
    /// Times compare to the millisecond: the store keeps milliseconds, clients may send more.
    static func same(_ existing: Silence, _ candidate: Silence, requestedStart: Date?, now: Date) -> Bool {
        func ms(_ d: Date) -> Int64 { Int64((d.timeIntervalSince1970 * 1000).rounded()) }
        let sameEnd: Bool
        switch (existing.ending, candidate.ending) {
        case (.onResolve, .onResolve): sameEnd = true
        case let (.at(a), .at(b)): sameEnd = ms(a) == ms(b)
        default: sameEnd = false
        }
        guard sameEnd, Set(existing.matchers) == Set(candidate.matchers), existing.createdBy == candidate.createdBy,
            existing.comment == candidate.comment
        else { return false }
        let start = requestedStart ?? now
        return ms(existing.startsAt) == ms(start) || (start <= now && existing.startsAt <= now)
    }

    /// Alertmanager's order: active by end, then pending by start, then expired, latest end first.
    static func sorted(_ silences: [Silence], now: Date) -> [Silence] {
        func end(_ s: Silence) -> Date { AlertmanagerV2JSON.Silence(s, now: now).endsAt }
        let active = silences.filter { $0.state(at: now) == .active }.sorted { end($0) < end($1) }
        let pending = silences.filter { $0.state(at: now) == .pending }.sorted { $0.startsAt < $1.startsAt }
        let expired = silences.filter { $0.state(at: now) == .expired }.sorted { end($0) > end($1) }
        return active + pending + expired
    }
}
