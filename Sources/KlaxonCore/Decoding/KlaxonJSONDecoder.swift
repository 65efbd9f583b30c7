import Foundation

/// Klaxon's own JSON (schemas/klaxon-alert.schema.json): what `klaxon decode --json` prints and
/// what any producer can write to route an alert without a dedicated decoder.
struct KlaxonJSONDecoder {
    let doc: JSONDocument
    let assembly: AlertAssembly

    func decode(root: Int, into alerts: inout [Alert], scopes: inout [String]) throws(DecodeError) {
        let body = try doc.requireObject(root)
        let version = try doc.requireMember(body, "klaxon")
        guard doc.int64(version) == 1 else { throw doc.error(version, "unsupported Klaxon JSON version (expected 1)") }
        guard let list = try doc.optionalArray(body, "alerts") else { throw DecodeError(path: "alerts", "missing") }
        for a in list { alerts.append(try alert(a)) }
        if let s = try doc.optionalArray(body, "scopes") {
            for node in s {
                guard let scope = doc.string(node) else { throw doc.typeError(node, "a string") }
                scopes.append(scope)
            }
        }
    }

    private func alert(_ a: Int) throws(DecodeError) -> Alert {
        _ = try doc.requireObject(a)
        let labelsNode = try doc.requireObject(try doc.requireMember(a, "labels"))
        var labels = try doc.stringMap(labelsNode)
        guard labels["alertname"]?.isEmpty == false else { throw DecodeError(path: doc.path(of: labelsNode, key: "alertname"), "missing") }
        let ann = try doc.optionalObject(a, "annotations").map { (o) throws(DecodeError) in try doc.stringMap(o) } ?? [:]
        let severity = try self.severity(a, label: labels["severity"])
        var identity: [String]?
        if let ids = try doc.optionalArray(a, "identity") {
            var keys: [String] = []
            for n in ids {
                guard let s = doc.string(n) else { throw doc.typeError(n, "a string") }
                keys.append(s)
            }
            identity = keys
        }
        // Without an explicit identity: every label but the derived ones.
        labels.removeValue(forKey: "severity")
        let origin = try doc.optionalString(a, "origin")
        if labels["source"]?.isEmpty != false && origin == nil { labels["source"] = "generic" }
        var expiresAfter: Double?
        if let node = doc.member(a, "expiresAfter"), doc.kind(node) != .null {
            guard let seconds = doc.double(node), seconds > 0 else { throw doc.typeError(node, "a positive number of seconds") }
            expiresAfter = seconds
        }
        var alert = assembly.make(
            labels: labels, annotations: ann, severity: severity, identity: identity ?? labels.keys.filter { $0 != "environment" },
            scope: try doc.optionalString(a, "scope"),
            occurredAt: try time(a, "occurredAt"), detectedAt: try time(a, "detectedAt") ?? assembly.context.receivedAt,
            resolvedAt: try time(a, "resolvedAt"), expiresAfter: expiresAfter, origin: origin)
        if let fp = try doc.optionalString(a, "fingerprint") {
            guard let f = Fingerprint(hex: fp) else { throw DecodeError(path: doc.path(of: a, key: "fingerprint"), "expected 16 hex digits") }
            alert.fingerprint = f
        }
        return alert
    }

    /// `"high"`, or `{"id": 4, "score": 80}`; absent: the `severity` label's level, else unknown.
    private func severity(_ a: Int, label: String?) throws(DecodeError) -> Severity {
        guard let node = doc.member(a, "severity"), doc.kind(node) != .null else {
            return label.flatMap(Severity.Level.init(name:)).map(Severity.init(level:)) ?? .unknown
        }
        if let word = doc.string(node) {
            guard let level = Severity.Level(name: word) else { throw doc.error(node, "unknown severity \"\(word)\"") }
            return Severity(level: level)
        }
        guard doc.kind(node) == .object else { throw doc.typeError(node, "a level name or {id, score}") }
        let idNode = try doc.requireMember(node, "id")
        guard let id = doc.int64(idNode), (0...6).contains(id) else { throw doc.error(idNode, "expected an integer 0–6") }
        guard let scoreNode = doc.member(node, "score") else { return Severity(level: Severity.Level(rawValue: Int(id)) ?? .unknown) }
        guard let score = doc.int64(scoreNode), (0...100).contains(score) else { throw doc.error(scoreNode, "expected an integer 0–100") }
        return Severity(id: Int(id), score: Int(score))
    }

    private func time(_ obj: Int, _ key: StaticString) throws(DecodeError) -> Date? { try doc.optionalRFC3339(obj, key) }
}
