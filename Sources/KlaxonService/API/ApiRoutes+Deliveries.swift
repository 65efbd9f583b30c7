import Foundation
import Hummingbird
import KlaxonStore

/// `/api/v1/deliveries`: the outbox as operators see it. Listing and showing are open;
/// retrying needs the bearer token and is audited.
extension ApiRoutes {
    static func addDeliveries(to router: Router<BasicRequestContext>, _ deps: ApiDependencies) {
        // ?status=pending|failed|dead|delivered (default all) &receiver=NAME &limit=N (default 1000)
        router.get("/api/v1/deliveries") { request, _ -> Response in
            try handle {
                let q = request.uri.queryParameters
                let filter = try q["status"].map { text -> DeliveryFilter in
                    guard let f = DeliveryFilter(rawValue: String(text)) else {
                        throw ApiFailure(.badRequest, "status must be one of \(DeliveryFilter.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    return f
                } ?? .all
                let limit = try q["limit"].map { text -> Int in
                    guard let n = Int(String(text)), n > 0 else { throw ApiFailure(.badRequest, "limit must be a positive integer") }
                    return n
                } ?? 1000
                let entries = try deps.outbox.list(filter: filter, receiver: q["receiver"].map(String.init), limit: limit)
                return try json(.ok, entries.map { DeliveryView($0, attempts: nil) })
            }
        }
        router.get("/api/v1/deliveries/:id") { _, context -> Response in
            try handle {
                let id = try deliveryID(context)
                guard let entry = try deps.outbox.entry(id) else { throw ApiFailure(.notFound, "no delivery \(id)") }
                return try json(.ok, DeliveryView(entry, attempts: try deps.outbox.attempts(of: id)))
            }
        }
        router.post("/api/v1/deliveries/:id/retry") { request, context -> Response in
            try await handleAsync {
                try authorize(request, deps.token)
                try ApiActions.retryDelivery(try deliveryID(context), actor: actor(request), deps)
                return try json(.ok, ["retried": 1])
            }
        }
        // ?receiver=NAME limits it to one receiver.
        router.post("/api/v1/deliveries/retry-dead") { request, _ -> Response in
            try await handleAsync {
                try authorize(request, deps.token)
                let receiver = request.uri.queryParameters["receiver"].map(String.init)
                let now = Date()
                let n = try deps.outbox.retryAllDead(receiver: receiver, at: now)
                try deps.audit.record(actor: actor(request), action: "delivery.retry_dead", subject: receiver ?? "*", detail: "\(n) entries", at: now)
                deps.nudgeDelivery()
                return try json(.ok, ["retried": n])
            }
        }
    }

    static func deliveryID(_ context: BasicRequestContext) throws -> Int64 {
        let text = try context.parameters.require("id")
        guard let id = Int64(text) else { throw ApiFailure(.badRequest, "a delivery id is a number, got \(text)") }
        return id
    }
}

/// One outbox entry as the API shows it (`attempts` only for a single entry).
struct DeliveryView: Encodable {
    struct Attempt: Encodable {
        let at: Date
        let outcome: String
        let error: String?
        let latencySeconds: Double?
    }

    let id: Int64
    let receiver: String
    let integration: String
    let status: String
    let attempts: Int
    let lastError: String?
    let groupKey: String
    let idempotencyKey: String
    let notificationStatus: String
    let alerts: Int
    let fallbackFor: String?
    let createdAt: Date
    let nextAttemptAt: Date?
    let deliveredAt: Date?
    let history: [Attempt]?

    init(_ e: OutboxEntry, attempts: [DeliveryAttempt]?) {
        id = e.id
        receiver = e.receiver
        integration = e.integration
        status = e.status.rawValue
        self.attempts = e.attempts
        lastError = e.lastError
        groupKey = e.groupKey
        idempotencyKey = e.notification.idempotencyKey
        notificationStatus = e.notification.status.rawValue
        alerts = e.notification.alerts.count
        fallbackFor = e.notification.fallbackFor
        createdAt = e.createdAt
        nextAttemptAt = e.status == .pending ? e.nextAttemptAt : nil
        deliveredAt = e.deliveredAt
        history = attempts?.map { Attempt(at: $0.at, outcome: $0.outcome, error: $0.error, latencySeconds: $0.latencySeconds) }
    }
}
