import Foundation
import KlaxonCore

/// An alert as an AWS Security Finding Format (ASFF) finding, the fields `BatchImportFindings`
/// requires plus severity, resources and record state.
struct SecurityHubFinding: Encodable {
    struct SeverityBody: Encodable { let Label: String }
    struct Resource: Encodable {
        let `Type`: String
        let Id: String
        let Partition = "aws"
        let Region: String
    }

    let SchemaVersion = "2018-10-08"
    let Id: String
    let ProductArn: String
    let GeneratorId: String
    let AwsAccountId: String
    let Types: [String]
    let CreatedAt: String
    let UpdatedAt: String
    let FirstObservedAt: String
    let Severity: SeverityBody
    let Title: String
    let Description: String
    let Resources: [Resource]
    let RecordState: String
    let ProductFields: [String: String]

    static func make(_ a: NotifiedAlert, productARN: String, accountID: String, region: String, now: Date) -> SecurityHubFinding {
        let name = a.labels["alertname"] ?? a.fingerprint.description
        let description = a.annotations["description"] ?? a.annotations["summary"] ?? NotificationSummary.line(a)
        return SecurityHubFinding(
            Id: "klaxon/\(a.fingerprint)", ProductArn: productARN,
            GeneratorId: "klaxon/\(a.labels["source"] ?? "generic")/\(a.labels["rule"] ?? name)", AwsAccountId: accountID,
            Types: [types(a.labels["category"])], CreatedAt: NotificationJSON.timestamp(a.startsAt),
            UpdatedAt: NotificationJSON.timestamp(now), FirstObservedAt: NotificationJSON.timestamp(a.startsAt),
            Severity: SeverityBody(Label: label(a.severity)), Title: String(name.prefix(256)),
            Description: String(description.prefix(1024)), Resources: resources(a, region: region),
            RecordState: a.status == .resolved ? "ARCHIVED" : "ACTIVE",
            ProductFields: ["klaxon/source": a.labels["source"] ?? "", "klaxon/fingerprint": a.fingerprint.description,
                            "klaxon/severityScore": String(a.severity.score)])
    }

    /// ASFF severity labels from Klaxon's OCSF levels.
    static func label(_ s: Severity) -> String {
        switch s.level {
        case .unknown, .info: "INFORMATIONAL"
        case .low: "LOW"
        case .medium: "MEDIUM"
        case .high: "HIGH"
        case .critical, .fatal: "CRITICAL"
        }
    }

    /// ASFF finding type namespaces for Klaxon's categories.
    static func types(_ category: String?) -> String {
        switch category {
        case "vulnerability": "Software and Configuration Checks/Vulnerabilities/CVE"
        case "misconfiguration", "compliance": "Software and Configuration Checks/Industry and Regulatory Standards"
        case "secret": "Sensitive Data Identifications/Security/Credentials"
        case "runtime", "threat": "Unusual Behaviors/Process"
        default: "Software and Configuration Checks"
        }
    }

    /// What the alert is about: the image, the host, the container; at least one resource.
    static func resources(_ a: NotifiedAlert, region: String) -> [Resource] {
        var out: [Resource] = []
        if let image = a.labels["image"] { out.append(Resource(Type: "Container", Id: image, Region: region)) }
        if let host = a.labels["host"] { out.append(Resource(Type: "Other", Id: "host/\(host)", Region: region)) }
        if let c = a.labels["container"], a.labels["image"] == nil { out.append(Resource(Type: "Container", Id: c, Region: region)) }
        if out.isEmpty { out.append(Resource(Type: "Other", Id: "klaxon/\(a.labels["alertname"] ?? a.fingerprint.description)", Region: region)) }
        return out
    }
}
