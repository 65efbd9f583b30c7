import Foundation

/// `aws ecr describe-image-scan-findings` output: basic scanning's `imageScanFindings.findings`
/// (one alert per CVE and package, `source=ecr`) and enhanced scanning's
/// `imageScanFindings.enhancedFindings` (Amazon Inspector findings, `source=inspector2`). Both
/// carry the cross-scanner vulnerability identity, with the image digest as `artifact`.
///
/// Scope: the image (`imageId.imageDigest`, else `repositoryName:imageTag`) — the same scope as
/// the ECR "Image Scan" event — but only when the output is complete: a page that still has a
/// `nextToken` (`--max-items`, `--no-paginate`) lists only part of the image's findings.
struct ECRScanFindingsDecoder {
    let doc: JSONDocument
    let assembly: AlertAssembly

    /// Scan states in which the findings describe the image (`ACTIVE`: continuous enhanced scanning).
    static let completeStates: Set<String> = ["COMPLETE", "ACTIVE"]

    func decode(root: Int, into alerts: inout [Alert], scopes: inout [String]) throws(DecodeError) {
        let report = try doc.requireObject(root)
        let scan = try doc.requireObject(try doc.requireMember(report, "imageScanFindings"))
        let repo = try doc.optionalString(report, "repositoryName").flatMap { $0.isEmpty ? nil : $0 }
        let registry = try doc.optionalString(report, "registryId").flatMap { $0.isEmpty ? nil : $0 }
        var digest: String?
        var tag: String?
        if let id = try doc.optionalObject(report, "imageId") {
            digest = try doc.optionalString(id, "imageDigest").flatMap { $0.isEmpty ? nil : $0 }
            tag = try doc.optionalString(id, "imageTag").flatMap { $0.isEmpty ? nil : $0 }
        }
        guard let artifact = digest ?? repo.map({ r in tag.map { "\(r):\($0)" } ?? r }) else {
            throw DecodeError(path: doc.path(of: report, key: "imageId"), "missing (and no repositoryName): the report names no image")
        }
        // A failed or pending scan says nothing about the image: neither alerts nor resolution.
        if let st = try doc.optionalObject(report, "imageScanStatus"), let status = try doc.optionalString(st, "status"),
           !Self.completeStates.contains(status) {
            return
        }
        let complete = doc.member(report, "nextToken").map { doc.kind($0) == .null } ?? true
        let scope: String? = complete ? artifact : nil
        if let scope { scopes.append(scope) }

        var base: [String: String] = ["artifact": artifact]
        base["digest"] = digest
        base["repository"] = repo
        base["image"] = repo.map { r in tag.map { "\(r):\($0)" } ?? r }
        base["account"] = registry
        let detectedAt = try doc.awsTime(scan, "imageScanCompletedAt") ?? assembly.context.receivedAt

        if let findings = try doc.optionalArray(scan, "findings") {
            for f in findings {
                alerts.append(try basic(f, labels: base, scope: scope, detectedAt: detectedAt))
            }
        }
        if let enhanced = try doc.optionalArray(scan, "enhancedFindings") {
            let inspector = Inspector2Decoder(doc: doc, assembly: assembly)
            let origin = AWSOrigin(account: registry, time: detectedAt)
            for f in enhanced {
                try inspector.finding(f, origin: origin, scope: scope, defaults: base, into: &alerts)
            }
        }
    }

    /// A basic-scanning finding: `name` (the CVE), `severity`, `uri`, and `attributes`
    /// (`package_name`, `package_version`, `CVSS3_SCORE`/`CVSS2_SCORE`, …) as key/value pairs.
    private func basic(_ f: Int, labels base: [String: String], scope: String?, detectedAt: Date) throws(DecodeError) -> Alert {
        _ = try doc.requireObject(f)
        let name = try doc.requireString(f, "name")
        let word = try doc.requireString(f, "severity")
        guard let level = SeverityMap.label(word) else {
            throw DecodeError(path: doc.path(of: f, key: "severity"), "unknown ECR severity \"\(word)\"")
        }
        var attributes: [String: String] = [:]
        if let attrs = try doc.optionalArray(f, "attributes") {
            for a in attrs {
                _ = try doc.requireObject(a)
                let key = try doc.requireString(a, "key")
                attributes[key] = try doc.optionalString(a, "value")
            }
        }
        var labels = base
        labels["source"] = "ecr"
        labels["category"] = "vulnerability"
        labels["alertname"] = name
        labels["cve"] = name
        labels["package"] = attributes["package_name"]
        labels["installed_version"] = attributes["package_version"]
        var ann: [String: String] = [:]
        ann["summary"] = attributes["package_name"].map { "\(name) - \($0)" } ?? name
        ann["description"] = try doc.optionalString(f, "description")
        ann["primary_url"] = try doc.optionalString(f, "uri")
        ann["native_severity"] = word
        var severity = level
        // The label decides the level; the CVSS score (v3 before v2) only places it in the band.
        for (scoreKey, vectorKey) in [("CVSS3_SCORE", "CVSS3_VECTOR"), ("CVSS2_SCORE", "CVSS2_VECTOR")] {
            guard let text = attributes[scoreKey], let score = Double(text), score >= 0, score <= 10 else { continue }
            ann["cvss_score"] = text
            ann["cvss_vector"] = attributes[vectorKey]
            let s = Int((score * 10).rounded())
            severity = level.level == .unknown ? Severity(score: s) : SeverityMap.clamp(score: s, to: level.level)
            break
        }
        return assembly.make(
            labels: labels, annotations: ann, severity: severity, identity: FingerprintIdentity.vulnerability,
            scope: scope, detectedAt: detectedAt)
    }
}
