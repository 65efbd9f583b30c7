import Foundation

/// The body of Alertmanager's `POST /api/v2/alerts` (its `postableAlerts`), checked with
/// Alertmanager's rules and turned into one Alertmanager webhook payload (version 4) per alert:
/// the shape the `alertmanager` decoder reads from Kafka, so pushed alerts take the same path as
/// any other input. Pure: `now` is passed in.
public struct PostableAlerts: Sendable {
    /// One accepted alert, ready to produce.
    public struct Message: Sendable, Hashable {
        /// Kafka key: the fingerprint of the alert's labels (so an alert's reports stay in order
        /// on one partition).
        public var key: String
        /// A webhook v4 payload holding this one alert.
        public var payload: Data
        /// True when `endsAt` is at or before `now` (Alertmanager: resolved).
        public var resolved: Bool
    }

    /// Accepted alerts, in body order.
    public var messages: [Message] = []
    /// Why each refused alert was refused (`alerts[2]: …`), Alertmanager's wording where it has one.
    public var errors: [String] = []

    /// The whole body is unusable (not JSON, not an array): one message saying why.
    public struct Malformed: Error, Sendable, Equatable { public let message: String }

    /// Checks every alert like Alertmanager 0.25's API: empty label values are dropped, at least
    /// one label is required, label names must match `[a-zA-Z_][a-zA-Z0-9_]*`, a missing
    /// `startsAt` becomes `endsAt` or `now`, `endsAt` must not be before `startsAt`, a missing
    /// `endsAt` becomes `now + resolveTimeout` (the alert ends then unless pushed again; global
    /// `resolve_timeout`, default 5m). Klaxon also requires `alertname` (its alerts are named).
    /// Valid alerts are kept even when others fail.
    public static func parse(_ body: Data, now: Date, resolveTimeout: Duration = .seconds(300)) throws(Malformed) -> PostableAlerts {
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: body) } catch {
            throw Malformed(message: "parsing alerts body failed: not valid JSON")
        }
        guard let list = root as? [Any] else { throw Malformed(message: "parsing alerts body failed: expected a JSON array of alerts") }
        var out = PostableAlerts()
        for (i, item) in list.enumerated() {
            do throws(Refusal) {
                out.messages.append(try message(item, now: now, resolveTimeout: resolveTimeout))
            } catch {
                out.errors.append("alerts[\(i)]: \(error.reason)")
            }
        }
        return out
    }

    struct Refusal: Error { let reason: String }

    private static func message(_ item: Any, now: Date, resolveTimeout: Duration) throws(Refusal) -> Message {
        guard let a = item as? [String: Any] else { throw Refusal(reason: "expected an object") }
        let labels = try stringMap(a["labels"], "labels", required: true).filter { !$0.value.isEmpty }
        let annotations = try stringMap(a["annotations"], "annotations", required: false)
        if labels.isEmpty { throw Refusal(reason: "invalid label set: at least one label pair required") }
        for name in labels.keys.sorted() where !isValidLabelName(name) {
            throw Refusal(reason: "invalid label set: invalid name \"\(name)\"")
        }
        for name in annotations.keys.sorted() where !isValidLabelName(name) {
            throw Refusal(reason: "invalid annotations: invalid name \"\(name)\"")
        }
        guard labels["alertname"] != nil else { throw Refusal(reason: "alertname label missing (Klaxon routes named alerts)") }
        var startsAt = try time(a["startsAt"], "startsAt")
        let endsAt = try time(a["endsAt"], "endsAt")
        if startsAt == nil { startsAt = endsAt ?? now }
        if let endsAt, let startsAt, endsAt < startsAt { throw Refusal(reason: "start time must be before end time") }
        var generatorURL: String?
        if let g = a["generatorURL"] {
            guard let s = g as? String else { throw Refusal(reason: "generatorURL must be a string") }
            generatorURL = s.isEmpty ? nil : s
        }
        let resolved = endsAt.map { $0 <= now } ?? false
        let fingerprint = Fingerprint(labels: labels).description
        // No endsAt: firing until pushed again or `resolve_timeout` passes, as in Alertmanager.
        let ends = endsAt ?? now.addingTimeInterval(Double(resolveTimeout.components.seconds))
        var alert: [String: Any] = [
            "status": resolved ? "resolved" : "firing", "labels": labels, "annotations": annotations,
            "startsAt": format(startsAt ?? now), "endsAt": format(ends),
        ]
        if let generatorURL { alert["generatorURL"] = generatorURL }
        let payload: [String: Any] = [
            "version": "4", "receiver": "klaxon-api-v2", "status": resolved ? "resolved" : "firing", "alerts": [alert],
        ]
        // The values are strings, arrays and dictionaries of strings only: serialization cannot fail.
        let data = (try? JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])) ?? Data()
        return Message(key: fingerprint, payload: data, resolved: resolved)
    }

    private static func stringMap(_ value: Any?, _ name: String, required: Bool) throws(Refusal) -> [String: String] {
        guard let value, !(value is NSNull) else {
            if required { throw Refusal(reason: "\(name) missing") }
            return [:]
        }
        guard let object = value as? [String: Any] else { throw Refusal(reason: "\(name) must be an object of strings") }
        var out: [String: String] = [:]
        for (k, v) in object {
            guard let s = v as? String else { throw Refusal(reason: "\(name).\(k) must be a string") }
            out[k] = s
        }
        return out
    }

    /// RFC 3339; Go's zero time (`0001-01-01T00:00:00Z`) and an empty string mean not set.
    private static func time(_ value: Any?, _ name: String) throws(Refusal) -> Date? {
        guard let value, !(value is NSNull) else { return nil }
        guard let s = value as? String else { throw Refusal(reason: "\(name) must be an RFC 3339 time string") }
        if s.isEmpty { return nil }
        guard let d = Timestamps.rfc3339(s) else { throw Refusal(reason: "\(name) is not an RFC 3339 time: \(s)") }
        return d < goZeroTimeLimit ? nil : d
    }

    /// Anything before year 2 is Go's zero time.
    static let goZeroTimeLimit = Date(timeIntervalSince1970: -62_104_060_800)

    static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// Prometheus' label name rule (`model.LabelName.IsValid`).
    public static func isValidLabelName(_ name: String) -> Bool {
        guard let first = name.utf8.first else { return false }
        func letter(_ c: UInt8) -> Bool { (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 }
        guard letter(first) else { return false }
        return name.utf8.allSatisfy { letter($0) || ($0 >= 48 && $0 <= 57) }
    }
}
