import Foundation

/// EventBridge "ECR Image Scan" (basic scanning). It carries only counts per severity, so the
/// whole image is one alert at its worst non-zero level; a scan with no findings resolves the
/// image's earlier alert through the scope. (Enhanced scanning emits Inspector2 findings.)
struct ECRScanDecoder {
    let doc: JSONDocument
    let assembly: AlertAssembly

    static let alertname = "ECRImageScanFindings"
    static let identity = ["source", "category", "artifact", "alertname"]
    /// Count keys, worst first; zero counts may be present or omitted.
    static let levels: [(key: String, severity: Severity)] = [
        ("CRITICAL", .critical), ("HIGH", .high), ("MEDIUM", .medium), ("LOW", .low), ("INFORMATIONAL", .info), ("UNDEFINED", .unknown),
    ]

    func decode(root: Int, into alerts: inout [Alert], scopes: inout [String]) throws(DecodeError) {
        let env = try EventBridgeEnvelope(doc: doc, root: root, expectSource: "aws.ecr", detailTypes: ["ECR Image Scan"])
        let d = env.detail
        let digest = try doc.requireString(d, "image-digest")
        // A failed scan says nothing about the image's findings: neither alerts nor resolution.
        if let status = try doc.optionalString(d, "scan-status"), status != "COMPLETE" { return }
        scopes.append(digest)
        let repo = try doc.optionalString(d, "repository-name")
        var tag: String?
        if let tags = try doc.optionalArray(d, "image-tags") { tag = tags.lazy.compactMap { doc.string($0) }.first }

        var counts: [String: Int64] = [:]
        if let c = try doc.optionalObject(d, "finding-severity-counts") {
            for (k, v) in doc.members(c) {
                guard let key = doc.string(k) else { continue }
                guard let n = doc.int64(v), n >= 0 else { throw doc.typeError(v, "a non-negative integer") }
                counts[key.uppercased()] = n
            }
        }
        guard let worst = Self.levels.first(where: { (counts[$0.key] ?? 0) > 0 }) else { return }

        var labels: [String: String] = ["source": "ecr", "category": "vulnerability", "alertname": Self.alertname, "artifact": digest, "digest": digest]
        labels["repository"] = repo
        labels["image"] = repo.map { $0 + (tag.map { ":" + $0 } ?? "") }
        labels["account"] = env.account
        labels["region"] = env.region
        var ann: [String: String] = [:]
        let summary = Self.levels.compactMap { l in counts[l.key].flatMap { $0 > 0 ? "\($0) \(l.key.lowercased())" : nil } }
        ann["summary"] = "ECR scan of \(labels["image"] ?? digest): " + summary.joined(separator: ", ")
        for l in Self.levels { if let n = counts[l.key] { ann["count_" + l.key.lowercased()] = String(n) } }
        alerts.append(assembly.make(
            labels: labels, annotations: ann, severity: worst.severity, identity: Self.identity,
            scope: digest, detectedAt: env.time ?? assembly.context.receivedAt))
    }
}
