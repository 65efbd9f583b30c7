import Foundation

/// EventBridge "Security Hub Findings - Imported" and "… - Custom Action" (`detail.findings` is
/// a list of ASFF findings, PascalCase), `aws securityhub get-findings` output and bare ASFF. Severity is `Severity.Label`; `Normalized` can disagree
/// with it and only refines the score inside the label's band.
struct SecurityHubDecoder {
    let doc: JSONDocument
    let assembly: AlertAssembly

    static let detailTypes = ["Security Hub Findings - Imported", "Security Hub Findings - Custom Action", "Security Hub Findings - Custom Action Finding"]

    func decode(root: Int, into alerts: inout [Alert]) throws(DecodeError) {
        let env = try EventBridgeEnvelope(doc: doc, root: root, expectSource: "aws.securityhub", detailTypes: Self.detailTypes)
        let d = env.detail
        let action = try doc.optionalString(d, "actionName")
        guard let findings = try doc.optionalArray(d, "findings") else {
            throw DecodeError(path: doc.path(of: d, key: "findings"), "missing")
        }
        for f in findings { try decodeFinding(f, origin: AWSOrigin(env), action: action, into: &alerts) }
    }

    /// A value that is not an EventBridge event: `get-findings` output (`{"Findings":[…],
    /// "NextToken":…}`, findings of any product) or one bare ASFF finding.
    func decodeFindings(root: Int, into alerts: inout [Alert]) throws(DecodeError) {
        _ = try doc.requireObject(root)
        if doc.member(root, "detail-type") != nil {
            try decode(root: root, into: &alerts)
        } else if let list = try doc.optionalArray(root, "Findings") {
            for f in list { try decodeFinding(f, origin: .none, action: nil, into: &alerts) }
        } else {
            try decodeFinding(root, origin: .none, action: nil, into: &alerts)
        }
    }

    private func decodeFinding(_ f: Int, origin: AWSOrigin, action: String?, into alerts: inout [Alert]) throws(DecodeError) {
        let d = try finding(f, origin: origin, action: action)
        if let vulns = try vulnerabilityAlerts(f, draft: d) {
            alerts += vulns
        } else {
            alerts.append(assembly.make(
                labels: d.labels, annotations: d.annotations, severity: d.severity, identity: FingerprintIdentity.finding,
                occurredAt: d.occurredAt, detectedAt: d.detectedAt, resolvedAt: d.resolvedAt))
        }
    }

    /// Package vulnerabilities forwarded by Inspector and other scanners carry `Vulnerabilities`:
    /// they get the cross-scanner vulnerability identity, one alert per vulnerable package, so a
    /// CVE seen through Security Hub and directly from Trivy/Inspector is one alert.
    private func vulnerabilityAlerts(_ f: Int, draft base: Draft) throws(DecodeError) -> [Alert]? {
        guard let vulns = try doc.optionalArray(f, "Vulnerabilities"), let v = vulns.first(where: { _ in true }) else { return nil }
        _ = try doc.requireObject(v)
        let cve = try doc.requireString(v, "Id")
        guard let packages = try doc.optionalArray(v, "VulnerablePackages") else { return nil }
        var labels = base.labels
        labels["alertname"] = cve
        labels["cve"] = cve
        labels["category"] = "vulnerability"
        if let r = doc.member(f, "Resources").flatMap({ doc.elements($0).first(where: { _ in true }) }),
           let img = doc.member(r, "Details", "AwsEcrContainerImage") {
            if let digest = doc.nonEmptyString(img, "ImageDigest") {
                labels["artifact"] = digest
                labels["digest"] = digest
            }
            labels["repository"] = doc.nonEmptyString(img, "RepositoryName")
        }
        if labels["artifact"] == nil { labels["artifact"] = labels["resource"] }
        var out: [Alert] = []
        for p in packages {
            _ = try doc.requireObject(p)
            var l = labels
            l["package"] = try doc.requireString(p, "Name")
            var version = try doc.requireString(p, "Version")
            if let e = try doc.optionalString(p, "Epoch"), let n = Int(e), n > 0 { version = "\(n):" + version }
            if let r = try doc.optionalString(p, "Release"), !r.isEmpty { version += "-" + r }
            l["installed_version"] = version
            var ann = base.annotations
            ann["fixed_version"] = try doc.optionalString(p, "FixedInVersion")
            out.append(assembly.make(
                labels: l, annotations: ann, severity: base.severity, identity: FingerprintIdentity.vulnerability,
                occurredAt: base.occurredAt, detectedAt: base.detectedAt, resolvedAt: base.resolvedAt))
        }
        return out.isEmpty ? nil : out
    }

    /// One finding's labels, annotations, severity and times, before identity is chosen.
    private struct Draft {
        var labels: [String: String]
        var annotations: [String: String]
        var severity: Severity
        var occurredAt: Date?
        var detectedAt: Date?
        var resolvedAt: Date?
    }

    private func finding(_ f: Int, origin: AWSOrigin, action: String?) throws(DecodeError) -> Draft {
        _ = try doc.requireObject(f)
        let id = try doc.requireString(f, "Id")
        let severity = try self.severity(f)
        let fields = try doc.optionalObject(f, "ProductFields")
        let generator = try doc.optionalString(f, "GeneratorId").flatMap { $0.isEmpty ? nil : $0 }
        let control = fields.flatMap { doc.nonEmptyString($0, "ControlId") ?? doc.nonEmptyString($0, "RuleId") }
        let title = try doc.optionalString(f, "Title").flatMap { $0.isEmpty ? nil : $0 }

        var labels: [String: String] = ["source": "securityhub", "finding_id": id]
        // A GeneratorId that is an ARN names a detector or a rule instance (GuardDuty, Config),
        // not the kind of finding: the Config rule's name or the finding type says more.
        let named = generator?.hasPrefix("arn:") == true ? nil : generator
        let configRule = fields.flatMap { doc.nonEmptyString($0, "aws/config/ConfigRuleName") }
        let threat = try threatType(f)
        labels["alertname"] = control ?? named ?? configRule ?? threat ?? title ?? generator ?? id
        labels["rule"] = generator
        labels["control"] = control
        labels["category"] = try category(f)
        labels["account"] = try doc.optionalString(f, "AwsAccountId") ?? origin.account
        labels["region"] = try doc.optionalString(f, "Region") ?? origin.region
        labels["product"] = fields.flatMap { doc.nonEmptyString($0, "aws/securityhub/ProductName") } ?? doc.nonEmptyString(f, "ProductName")
        if let resources = try doc.optionalArray(f, "Resources"), let r = resources.first(where: { _ in true }) {
            labels["resource"] = doc.nonEmptyString(r, "Id")
            labels["resource_type"] = doc.nonEmptyString(r, "Type")
            if labels["region"] == nil { labels["region"] = doc.nonEmptyString(r, "Region") }
        }
        var ann: [String: String] = [:]
        ann["summary"] = title
        ann["description"] = try doc.optionalString(f, "Description")
        ann["product_arn"] = try doc.optionalString(f, "ProductArn")
        ann["native_severity"] = doc.member(f, "Severity", "Label").flatMap(doc.string)
        ann["custom_action"] = action
        let compliance = doc.member(f, "Compliance", "Status").flatMap(doc.string)
        let workflow = doc.member(f, "Workflow", "Status").flatMap(doc.string)
        let record = try doc.optionalString(f, "RecordState")
        ann["compliance_status"] = compliance
        ann["workflow_status"] = workflow
        ann["record_state"] = record
        if let url = fields.flatMap({ doc.nonEmptyString($0, "RecommendationUrl") }) { ann["remediation_url"] = url }

        let created = try time(f, "CreatedAt")
        let updated = try time(f, "UpdatedAt")
        let firstObserved = try time(f, "FirstObservedAt")
        // Over when archived, resolved/suppressed by a person, or the control now passes.
        let over = record == "ARCHIVED" || workflow == "RESOLVED" || workflow == "SUPPRESSED" || compliance == "PASSED"
        return Draft(
            labels: labels, annotations: ann, severity: severity,
            occurredAt: firstObserved ?? created, detectedAt: created ?? origin.time ?? assembly.context.receivedAt,
            resolvedAt: over ? (updated ?? origin.time ?? assembly.context.receivedAt) : nil)
    }

    private func severity(_ f: Int) throws(DecodeError) -> Severity {
        let sev = try doc.requireObject(try doc.requireMember(f, "Severity"))
        let normalized = doc.member(sev, "Normalized").flatMap(doc.double).flatMap { $0 >= 0 && $0 <= 100 ? Int($0) : nil }
        if let word = try doc.optionalString(sev, "Label") {
            guard let level = SeverityMap.label(word) else {
                throw DecodeError(path: doc.path(of: sev, key: "Label"), "unknown severity label \"\(word)\"")
            }
            return normalized.map { SeverityMap.clamp(score: $0, to: level.level) } ?? level
        }
        // Older ASFF: only Normalized.
        guard let n = normalized else { throw DecodeError(path: doc.path(of: sev, key: "Label"), "missing (and no Normalized score)") }
        return Severity(score: n)
    }

    /// The finding type a threat detector put after its namespace
    /// (`TTPs/Command and Control/CryptoCurrency:EC2-BitcoinTool.B!DNS` → `CryptoCurrency:EC2-BitcoinTool.B!DNS`).
    private func threatType(_ f: Int) throws(DecodeError) -> String? {
        guard let types = try doc.optionalArray(f, "Types") else { return nil }
        for t in types {
            guard let s = doc.string(t), s.hasPrefix("TTPs/") || s.hasPrefix("Effects/") || s.hasPrefix("Unusual Behaviors/") else { continue }
            let parts = s.split(separator: "/", maxSplits: 2)
            if parts.count == 3, !parts[2].isEmpty { return String(parts[2]) }
        }
        return nil
    }

    /// ASFF `Types` namespaces to Klaxon categories.
    private func category(_ f: Int) throws(DecodeError) -> String {
        var types: [String] = []
        if let t = try doc.optionalArray(f, "Types") { types = t.compactMap { doc.string($0) } }
        if types.contains(where: { $0.contains("/Vulnerabilities") }) { return "vulnerability" }
        if types.contains(where: { $0.hasPrefix("TTPs") || $0.hasPrefix("Effects") || $0.hasPrefix("Unusual Behaviors") }) { return "threat" }
        if types.contains(where: { $0.contains("Industry and Regulatory Standards") }) { return "compliance" }
        if types.contains(where: { $0.contains("Sensitive Data") }) { return "secret" }
        return types.isEmpty ? "compliance" : "misconfiguration"
    }

    private func time(_ obj: Int, _ key: StaticString) throws(DecodeError) -> Date? {
        guard let s = try doc.optionalString(obj, key) else { return nil }
        guard let d = Timestamps.rfc3339(s) else {
            throw DecodeError(path: doc.path(of: obj, key: key.description), "not an RFC 3339 timestamp: \(s)")
        }
        return d
    }
}
