import AsyncHTTPClient
import Foundation
import KlaxonCore
import NIOCore

/// Sends PagerDuty Events API v2 events: a firing notification triggers, an acknowledged one
/// acknowledges, a resolved one resolves, all under one `dedup_key` per group
/// (`PagerDutyEvent.dedupKey`). The trigger's
/// summary (≤ 1024 characters), severity (from the highest 0–100 score unless `severity` is
/// configured), source, component, group, class, custom details, links and images come from
/// the config's Mustache templates or Klaxon's defaults. 202 is success; 429 and 5xx retry;
/// 400 (an event PagerDuty refuses) is final.
public struct PagerDutySink: AlertSink {
    /// PagerDuty's events endpoint.
    public static let defaultURL = "https://events.pagerduty.com/v2/enqueue"

    let config: PagerDutyConfig
    let routingKey: String
    let url: String
    let timeout: Duration
    let transport: HTTPTransport

    /// - Parameter routingKey: from `routing_key`, `routing_key_file` or `service_key(_file)`, read by the caller.
    public init(config: PagerDutyConfig, routingKey: String, transport: HTTPTransport = .plain, timeout: Duration = .seconds(10)) {
        self.config = config
        self.routingKey = routingKey
        self.url = config.url ?? Self.defaultURL
        self.timeout = timeout
        self.transport = transport
    }

    public func deliver(_ notification: AlertNotification) async throws {
        let action: PagerDutyEvent.Action = switch notification.status {
        case .firing: .trigger
        case .acknowledged: .acknowledge
        case .resolved: .resolve
        }
        try await send(notification, action: action)
    }

    /// Sends one event for the notification's group; `acknowledge` and `resolve` carry the
    /// same `dedup_key` and no payload.
    public func send(_ n: AlertNotification, action: PagerDutyEvent.Action) async throws {
        let event = try event(n, action: action)
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "klaxon")
        request.body = .bytes(ByteBuffer(bytes: try NotificationJSON.encoder.encode(event)))
        let answer = try await transport.send(request, timeout: timeout, maxBody: 64 * 1024)
        guard answer.isSuccess else {
            let detail = (try? JSONSerialization.jsonObject(with: answer.body) as? [String: Any]).flatMap { body -> String? in
                let errors = (body["errors"] as? [String])?.joined(separator: "; ")
                return [body["message"] as? String, errors].compactMap { $0 }.joined(separator: ": ")
            }
            throw answer.failure(detail: detail)
        }
    }

    func event(_ n: AlertNotification, action: PagerDutyEvent.Action) throws -> PagerDutyEvent {
        let dedup = PagerDutyEvent.dedupKey(groupKey: n.groupKey)
        guard action == .trigger else {
            return PagerDutyEvent(routing_key: routingKey, event_action: action, dedup_key: dedup, payload: nil,
                                  client: nil, client_url: nil, links: nil, images: nil)
        }
        func render(_ t: String?) -> String? { t.map { NotificationTemplate.render($0, n, default: "") }.flatMap { $0.isEmpty ? nil : $0 } }
        var severity = PagerDutyEvent.severity(score: NotificationSummary.highest(n).score)
        if let configured = render(config.severity) {
            guard PagerDutyEvent.severities.contains(configured) else {
                throw DeliveryError("pagerduty: severity template gave \"\(configured)\" (expected critical, error, warning or info)", isRetriable: false)
            }
            severity = configured
        }
        let summary = render(config.description) ?? NotificationSummary.title(n)
        var details = ["firing": NotificationSummary.text(n), "num_firing": String(n.alerts.filter { $0.status == .firing }.count),
                       "receiver": n.receiver, "idempotency_key": n.idempotencyKey]
        for (k, v) in n.commonLabels { details["label.\(k)"] = v }
        for (k, t) in config.details { details[k] = render(t) ?? "" }
        let source = render(config.source) ?? n.commonLabels["source"].map { "klaxon/\($0)" } ?? "klaxon"
        let payload = PagerDutyEvent.Payload(
            summary: String(summary.prefix(1024)), source: source, severity: severity,
            timestamp: n.alerts.map(\.startsAt).min().map(NotificationJSON.timestamp),
            component: render(config.component) ?? n.commonLabels["image"] ?? n.commonLabels["host"] ?? n.commonLabels["package"],
            group: render(config.group) ?? n.commonLabels["environment"] ?? n.commonLabels["namespace"],
            class: render(config.class) ?? n.commonLabels["category"], custom_details: details)
        let links = config.links.map { PagerDutyEvent.Link(href: render($0.href) ?? "", text: render($0.text) ?? "") }
        let images = config.images.map { PagerDutyEvent.Image(src: render($0.src) ?? "", alt: render($0.alt), href: render($0.href)) }
        return PagerDutyEvent(
            routing_key: routingKey, event_action: action, dedup_key: dedup, payload: payload,
            client: render(config.client) ?? "Klaxon", client_url: render(config.clientURL),
            links: links.isEmpty ? nil : links, images: images.isEmpty ? nil : images)
    }
}
