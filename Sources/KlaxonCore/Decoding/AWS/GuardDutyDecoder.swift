import Foundation

/// GuardDuty findings: the EventBridge "GuardDuty Finding" event, and the finding itself as the
/// AWS CLI prints it (`get-findings`: `{"Findings":[…]}`, PascalCase) or as the API and exporters
/// write it (camelCase, bare or in `{"findings":[…]}`). `severity` is a 0–10 number (not a
/// label, not always an integer); `id` is stable across updates of one finding.
struct GuardDutyDecoder {
    let doc: JSONDocument
    let assembly: AlertAssembly

    func decode(root: Int) throws(DecodeError) -> Alert {
        let env = try EventBridgeEnvelope(doc: doc, root: root, expectSource: "aws.guardduty", detailTypes: ["GuardDuty Finding"])
        return try finding(env.detail, origin: AWSOrigin(env))
    }

    /// A value that is not an EventBridge event: a list (`Findings`/`findings`) or one finding.
    func decodeFindings(root: Int, into alerts: inout [Alert]) throws(DecodeError) {
        _ = try doc.requireObject(root)
        if doc.member(root, "detail-type") != nil {
            alerts.append(try decode(root: root))
        } else if let list = doc.member(root, "Findings") ?? doc.member(root, "findings") {
            guard doc.kind(list) == .array else { throw doc.typeError(list, "an array") }
            for f in doc.elements(list) { alerts.append(try finding(f, origin: .none)) }
        } else {
            alerts.append(try finding(root, origin: .none))
        }
    }

    /// One finding, camelCase or PascalCase (decided by how its `id`/`type` is spelled).
    func finding(_ d: Int, origin: AWSOrigin) throws(DecodeError) -> Alert {
        _ = try doc.requireObject(d)
        let c: KeyCase = doc.member(d, "type") == nil && doc.member(d, "id") == nil
            && (doc.member(d, "Type") != nil || doc.member(d, "Id") != nil) ? .pascal : .camel
        let type = try doc.requireString(d, "type", c)
        let id = try doc.requireString(d, "id", c)
        guard let sevNode = doc.member(d, "severity", c) else {
            throw DecodeError(path: doc.path(of: d, key: c.spell("severity")), "missing")
        }
        guard let value = doc.lenientDouble(sevNode) else { throw doc.typeError(sevNode, "a number") }
        guard let severity = Self.severity(value) else { throw doc.error(sevNode, "severity \(value) is outside 0–10") }

        var labels: [String: String] = ["source": "guardduty", "category": "threat", "alertname": type, "rule": type, "finding_id": id]
        let arn = try doc.optionalString(d, "arn", c)
        labels["account"] = try doc.optionalString(d, "accountId", c) ?? origin.account ?? AWSOrigin.arnParts(arn).account
        labels["region"] = try doc.optionalString(d, "region", c) ?? origin.region ?? AWSOrigin.arnParts(arn).region
        var ann: [String: String] = [:]
        ann["summary"] = try doc.optionalString(d, "title", c) ?? type
        ann["description"] = try doc.optionalString(d, "description", c)
        ann["arn"] = arn
        ann["native_severity"] = doc.text(sevNode)

        if let resource = try doc.optionalObject(d, "resource", c) {
            labels["resource_type"] = try doc.optionalString(resource, "resourceType", c)
            if let inst = doc.member(resource, "instanceDetails", c) {
                labels["host"] = doc.nonEmptyString(inst, "instanceId", c)
            }
            if let key = doc.member(resource, "accessKeyDetails", c) {
                labels["user"] = doc.nonEmptyString(key, "userName", c)
                ann["access_key_id"] = doc.nonEmptyString(key, "accessKeyId", c)
            }
            if let eks = doc.member(resource, "eksClusterDetails", c) {
                labels["cluster"] = doc.nonEmptyString(eks, "name", c)
            }
            if let k8s = doc.member(resource, "kubernetesDetails", c).flatMap({ doc.member($0, "kubernetesWorkloadDetails", c) }) {
                labels["namespace"] = doc.nonEmptyString(k8s, "namespace", c)
            }
        }
        var occurredAt: Date?
        var resolvedAt: Date?
        let updatedAt = try doc.optionalString(d, "updatedAt", c).flatMap(Timestamps.rfc3339)
        if let service = try doc.optionalObject(d, "service", c) {
            labels["action_type"] = doc.member(service, "action", c).flatMap { doc.nonEmptyString($0, "actionType", c) }
            ann["resource_role"] = doc.nonEmptyString(service, "resourceRole", c)
            ann["count"] = doc.member(service, "count", c).flatMap(doc.text)
            occurredAt = doc.nonEmptyString(service, "eventFirstSeen", c).flatMap(Timestamps.rfc3339)
            // An archived finding is one the account closed.
            if doc.member(service, "archived", c).map({ doc.kind($0) == .bool && doc.nodes[$0].flag }) == true {
                resolvedAt = updatedAt ?? origin.time ?? assembly.context.receivedAt
            }
        }
        let createdAt = try doc.optionalString(d, "createdAt", c).flatMap(Timestamps.rfc3339)
        return assembly.make(
            labels: labels, annotations: ann, severity: severity, identity: FingerprintIdentity.finding,
            occurredAt: occurredAt ?? createdAt, detectedAt: createdAt ?? origin.time ?? assembly.context.receivedAt,
            resolvedAt: resolvedAt)
    }

    /// DESIGN.md: 9.0–10 critical, 7.0–8.9 high, 4.0–6.9 medium, 1.0–3.9 low (below 1: info);
    /// score = 10 × value.
    static func severity(_ value: Double) -> Severity? {
        guard value.isFinite, value >= 0, value <= 10 else { return nil }
        let level: Severity.Level = value >= 9 ? .critical : value >= 7 ? .high : value >= 4 ? .medium : value >= 1 ? .low : .info
        return Severity(id: level.rawValue, score: Int((value * 10).rounded(.down)))
    }
}
