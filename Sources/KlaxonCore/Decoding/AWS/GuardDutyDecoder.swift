import Foundation

/// EventBridge "GuardDuty Finding". `detail.severity` is a 0–10 number (not a label, not always
/// an integer); `detail.id` is stable across updates of one finding.
struct GuardDutyDecoder {
    let doc: JSONDocument
    let assembly: AlertAssembly

    func decode(root: Int) throws(DecodeError) -> Alert {
        let env = try EventBridgeEnvelope(doc: doc, root: root, expectSource: "aws.guardduty", detailTypes: ["GuardDuty Finding"])
        let d = env.detail
        let type = try doc.requireString(d, "type")
        let id = try doc.requireString(d, "id")
        let sevNode = try doc.requireMember(d, "severity")
        guard let value = doc.lenientDouble(sevNode) else { throw doc.typeError(sevNode, "a number") }
        guard let severity = Self.severity(value) else { throw doc.error(sevNode, "severity \(value) is outside 0–10") }

        var labels: [String: String] = ["source": "guardduty", "category": "threat", "alertname": type, "rule": type, "finding_id": id]
        labels["account"] = try doc.optionalString(d, "accountId") ?? env.account
        labels["region"] = try doc.optionalString(d, "region") ?? env.region
        var ann: [String: String] = [:]
        ann["summary"] = try doc.optionalString(d, "title") ?? type
        ann["description"] = try doc.optionalString(d, "description")
        ann["arn"] = try doc.optionalString(d, "arn")
        ann["native_severity"] = doc.text(sevNode)

        if let resource = try doc.optionalObject(d, "resource") {
            labels["resource_type"] = try doc.optionalString(resource, "resourceType")
            if let inst = doc.member(resource, "instanceDetails") {
                labels["host"] = doc.nonEmptyString(inst, "instanceId")
            }
            if let key = doc.member(resource, "accessKeyDetails") {
                labels["user"] = doc.nonEmptyString(key, "userName")
                ann["access_key_id"] = doc.nonEmptyString(key, "accessKeyId")
            }
            if let eks = doc.member(resource, "eksClusterDetails") {
                labels["cluster"] = doc.nonEmptyString(eks, "name")
            }
            if let k8s = doc.member(resource, "kubernetesDetails", "kubernetesWorkloadDetails") {
                labels["namespace"] = doc.nonEmptyString(k8s, "namespace")
            }
        }
        var occurredAt: Date?
        var resolvedAt: Date?
        let updatedAt = try doc.optionalString(d, "updatedAt").flatMap(Timestamps.rfc3339)
        if let service = try doc.optionalObject(d, "service") {
            labels["action_type"] = doc.member(service, "action").flatMap { doc.nonEmptyString($0, "actionType") }
            ann["resource_role"] = doc.nonEmptyString(service, "resourceRole")
            ann["count"] = doc.member(service, "count").flatMap(doc.text)
            occurredAt = doc.nonEmptyString(service, "eventFirstSeen").flatMap(Timestamps.rfc3339)
            // An archived finding is one the account closed.
            if doc.member(service, "archived").map({ doc.kind($0) == .bool && doc.nodes[$0].flag }) == true {
                resolvedAt = updatedAt ?? env.time ?? assembly.context.receivedAt
            }
        }
        let createdAt = try doc.optionalString(d, "createdAt").flatMap(Timestamps.rfc3339)
        return assembly.make(
            labels: labels, annotations: ann, severity: severity, identity: FingerprintIdentity.finding,
            occurredAt: occurredAt ?? createdAt, detectedAt: createdAt ?? env.time ?? assembly.context.receivedAt,
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
