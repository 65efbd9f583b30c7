import Foundation
import KlaxonCore
import Mustache

/// A Mustache template rendered over a notification (`TemplateContext` lists the names).
/// Text templates are not escaped; JSON templates escape each `{{value}}` as the inside of a
/// JSON string, so `"summary": "{{commonAnnotations.summary}}"` stays valid JSON.
public struct NotificationTemplate: Sendable {
    public enum Output: Sendable { case text, json }

    private let template: MustacheTemplate

    public init(_ text: String, output: Output = .text) throws {
        _ = Self.registerJSON
        let pragma = output == .json ? "{{% CONTENT_TYPE: JSON}}" : "{{% CONTENT_TYPE: TEXT}}"
        template = try MustacheTemplate(string: pragma + text)
    }

    func render(_ n: AlertNotification, truncatedAlerts: Int = 0) -> String {
        template.render(TemplateContext.make(n, truncatedAlerts: truncatedAlerts))
    }

    /// Renders `text` when given, else returns `fallback`; a template that fails to parse at
    /// send time (it was checked at load) falls back too.
    static func render(_ text: String?, _ n: AlertNotification, default fallback: @autoclosure () -> String) -> String {
        guard let text, let t = try? NotificationTemplate(text) else { return fallback() }
        return t.render(n)
    }

    private static let registerJSON: Void = MustacheContentTypes.register(JSONStringContent(), named: "JSON")
}

/// Escapes text as the inside of a JSON string.
struct JSONStringContent: MustacheContentType {
    func escapeText(_ text: String) -> String {
        guard let data = try? JSONEncoder().encode(text), let quoted = String(data: data, encoding: .utf8) else { return "" }
        return String(quoted.dropFirst().dropLast()).replacingOccurrences(of: "\\/", with: "/")
    }
}

/// The names a template can use: `status`, `receiver`, `groupKey`, `idempotencyKey`,
/// `groupLabels.X`, `commonLabels.X`, `commonAnnotations.X`, `title`, `summary`, `firing`,
/// `resolved`, `acknowledged`, `acknowledgedBy`, `truncatedAlerts`, and `alerts` (each with `status`, `labels.X`,
/// `annotations.X`, `startsAt`, `endsAt`, `fingerprint`, `severity.name|id|score`, `occurrences`).
enum TemplateContext {
    static func make(_ n: AlertNotification, truncatedAlerts: Int = 0) -> [String: Any] {
        [
            "status": n.status.rawValue,
            "receiver": n.receiver,
            "groupKey": n.groupKey,
            "idempotencyKey": n.idempotencyKey,
            "groupLabels": n.groupLabels,
            "commonLabels": n.commonLabels,
            "commonAnnotations": n.commonAnnotations,
            "title": NotificationSummary.title(n),
            "summary": NotificationSummary.text(n),
            "firing": n.alerts.filter { $0.status == .firing }.count,
            "resolved": n.alerts.filter { $0.status == .resolved }.count,
            "acknowledged": n.alerts.filter { $0.status == .acknowledged }.count,
            "acknowledgedBy": n.acknowledgedBy ?? "",
            "truncatedAlerts": truncatedAlerts,
            "alerts": n.alerts.map(alert),
        ]
    }

    static func alert(_ a: NotifiedAlert) -> [String: Any] {
        [
            "status": a.status.rawValue,
            "labels": a.labels,
            "annotations": a.annotations,
            "startsAt": NotificationJSON.timestamp(a.startsAt),
            "endsAt": a.endsAt.map(NotificationJSON.timestamp) ?? "",
            "fingerprint": a.fingerprint.description,
            "severity": ["name": a.severity.name, "id": a.severity.id, "score": a.severity.score] as [String: Any],
            "occurrences": a.occurrences,
        ]
    }
}
