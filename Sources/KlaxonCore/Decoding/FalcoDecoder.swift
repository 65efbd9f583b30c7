import Foundation

/// Falco `json_output` events, and the same event as Falcosidekick forwards it (adds `uuid`,
/// lowercase priorities in some versions). One event is one runtime alert.
struct FalcoDecoder {
    let doc: JSONDocument
    let assembly: AlertAssembly

    /// output_fields that become labels; the rest stay annotations under their Falco names.
    private static let labelFields: [(field: StaticString, label: String)] = [
        ("container.id", "container"),
        ("container.name", "container_name"),
        ("k8s.ns.name", "namespace"),
        ("k8s.pod.name", "pod"),
        ("proc.name", "process"),
        ("user.name", "user"),
    ]

    func decode(root: Int) throws(DecodeError) -> Alert {
        let event = try doc.requireObject(root)
        let rule = try doc.requireString(event, "rule")
        let priority = try doc.requireString(event, "priority")
        guard let sev = Self.severity(priority) else {
            throw DecodeError(path: doc.path(of: event, key: "priority"), "unknown Falco priority \"\(priority)\"")
        }
        // Sized up front: growing a dictionary rehashes every key, which dominated the profile.
        var labels = [String: String](minimumCapacity: 16)
        labels["alertname"] = rule
        labels["rule"] = rule
        labels["source"] = "falco"
        labels["category"] = "runtime"
        labels["host"] = try doc.optionalString(event, "hostname")
        labels["event_source"] = try doc.optionalString(event, "source")
        var ann = [String: String](minimumCapacity: 8 + (doc.member(event, "output_fields").map(doc.count) ?? 0))

        var eventNanos: Int64?
        if let fields = try doc.optionalObject(event, "output_fields") {
            for (k, v) in doc.members(fields) {
                // Values are strings, integers (beyond 2^53), floats, booleans, null or lists:
                // numbers are kept as written, lists and null are skipped.
                guard let key = doc.string(k), let text = doc.text(v) else { continue }
                ann[key] = text
            }
            for (field, label) in Self.labelFields {
                if let v = doc.member(fields, field), let s = doc.string(v), !s.isEmpty, s != "<NA>" { labels[label] = s }
            }
            if let repo = doc.member(fields, "container.image.repository").flatMap(doc.string), !repo.isEmpty, repo != "<NA>" {
                let tag = doc.member(fields, "container.image.tag").flatMap(doc.string)
                labels["image"] = tag.map { $0.isEmpty || $0 == "<NA>" ? repo : "\(repo):\($0)" } ?? repo
            }
            let t = doc.member(fields, "evt.time") ?? doc.member(fields, "evt.time.iso8601")
            eventNanos = t.flatMap(doc.int64)
        }

        // Set after output_fields so a field named like one of these cannot replace them.
        ann["summary"] = try doc.optionalString(event, "output").map(Self.stripTimePrefix)
        ann["priority"] = priority
        ann["uuid"] = try doc.optionalString(event, "uuid")
        if let tags = try doc.optionalArray(event, "tags") {
            ann["tags"] = tags.compactMap { doc.string($0) }.joined(separator: ",")
        }

        // `time` is the event time; evt.time (exact ns) agrees with it when both are present.
        var occurredAt: Date?
        if let time = try doc.optionalString(event, "time") {
            guard let d = Timestamps.rfc3339(time) else {
                throw DecodeError(path: doc.path(of: event, key: "time"), "not an RFC 3339 timestamp: \(time)")
            }
            occurredAt = d
        } else if let ns = eventNanos {
            occurredAt = Timestamps.fromUnixNanos(ns)
        }
        // Falco detects synchronously with the syscall, so detection time is the event time.
        let at = occurredAt ?? assembly.context.receivedAt
        return assembly.make(
            labels: labels, annotations: ann, severity: sev, identity: FingerprintIdentity.runtime,
            occurredAt: at, detectedAt: at)
    }

    /// DESIGN.md: emergency, alert, critical 5; error 4; warning 3; notice 2; informational, debug 1.
    static func severity(_ priority: String) -> Severity? {
        switch priority.lowercased() {
        case "emergency", "alert", "critical": .critical
        case "error": .high
        case "warning": .medium
        case "notice": .low
        case "informational", "info", "debug": .info
        default: nil
        }
    }

    /// `output` repeats the time and priority in front of the message
    /// (`13:44:05.478445995: Critical A shell…` or `2016-08-04T16:17:57.881781397+0000: Warning …`);
    /// the summary is the message alone.
    static func stripTimePrefix(_ output: String) -> String {
        // Byte scan rather than Foundation's range(of:), which bridges to NSString and showed
        // up at the top of the Falco benchmark profile.
        let u = Array(output.utf8)
        guard let first = u.first, first >= 0x30, first <= 0x39 else { return output }
        var i = 0
        while i + 1 < u.count, !(u[i] == 0x3A && u[i + 1] == 0x20) {
            let c = u[i]
            // Digits and : . - + T Z — what the two time styles are made of.
            guard (c >= 0x30 && c <= 0x39) || c == 0x3A || c == 0x2E || c == 0x2D || c == 0x2B || c == 0x54 || c == 0x5A else { return output }
            i += 1
        }
        guard i + 1 < u.count else { return output }
        var start = i + 2
        // Drop the repeated priority word.
        var end = start
        while end < u.count, u[end] != 0x20 { end += 1 }
        if end < u.count, severity(String(decoding: u[start..<end], as: UTF8.self)) != nil { start = end + 1 }
        return String(decoding: u[start...], as: UTF8.self)
    }
}
