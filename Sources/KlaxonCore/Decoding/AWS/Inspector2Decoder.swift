import Foundation

/// EventBridge "Inspector2 Finding" (also what ECR enhanced scanning emits). A package
/// vulnerability becomes one alert per vulnerable package, with the cross-scanner vulnerability
/// identity; network reachability and code findings are keyed by their finding ARN.
struct Inspector2Decoder {
    let doc: JSONDocument
    let assembly: AlertAssembly

    func decode(root: Int, into alerts: inout [Alert]) throws(DecodeError) {
        let env = try EventBridgeEnvelope(doc: doc, root: root, expectSource: "aws.inspector2", detailTypes: ["Inspector2 Finding"])
        try finding(env.detail, origin: AWSOrigin(env), into: &alerts)
    }

    /// A value that is not an EventBridge event: `list-findings` output (`{"findings":[…],
    /// "nextToken":…}`) or one bare finding (NDJSON of findings is one per value).
    func decodeFindings(root: Int, into alerts: inout [Alert]) throws(DecodeError) {
        _ = try doc.requireObject(root)
        if doc.member(root, "detail-type") != nil {
            try decode(root: root, into: &alerts)
        } else if let list = try doc.optionalArray(root, "findings") {
            for f in list { try finding(f, origin: .none, into: &alerts) }
        } else {
            try finding(root, origin: .none, into: &alerts)
        }
    }

    /// One Inspector finding (also an ECR `enhancedFindings` entry, which names its score `score`).
    /// `scope` is set when the finding comes from a complete report of one image.
    /// `defaults` are labels the finding's own resource overrides (ECR's report knows the image).
    func finding(
        _ d: Int, origin: AWSOrigin, scope: String? = nil, defaults: [String: String] = [:], into alerts: inout [Alert]
    ) throws(DecodeError) {
        _ = try doc.requireObject(d)
        let arn = try doc.requireString(d, "findingArn")
        let type = try doc.requireString(d, "type")
        let word = try doc.requireString(d, "severity")
        guard var severity = SeverityMap.label(word) else {
            throw DecodeError(path: doc.path(of: d, key: "severity"), "unknown Inspector severity \"\(word)\"")
        }
        // ECR's enhanced findings call it `score` and write 0 when Inspector gave none.
        let scoreNode = doc.member(d, "inspectorScore") ?? doc.member(d, "score").flatMap { doc.lenientDouble($0) == 0 ? nil : $0 }
        if let n = scoreNode, let score = doc.lenientDouble(n), score >= 0, score <= 10 {
            let s = Int((score * 10).rounded())
            severity = severity.level == .unknown ? Severity(score: s) : SeverityMap.clamp(score: s, to: severity.level)
        }
        let arnParts = AWSOrigin.arnParts(arn)

        var labels = defaults
        labels["source"] = "inspector2"
        labels["finding_id"] = arn
        labels["finding_type"] = type
        labels["account"] = try doc.optionalString(d, "awsAccountId") ?? origin.account ?? arnParts.account
        labels["region"] = origin.region ?? arnParts.region
        var ann: [String: String] = [:]
        ann["summary"] = try doc.optionalString(d, "title")
        ann["description"] = try doc.optionalString(d, "description")
        ann["native_severity"] = word
        ann["status"] = try doc.optionalString(d, "status")
        ann["fix_available"] = try doc.optionalString(d, "fixAvailable")
        ann["exploit_available"] = try doc.optionalString(d, "exploitAvailable")
        ann["inspector_score"] = scoreNode.flatMap(doc.text)
        ann["epss"] = doc.member(d, "epss", "score").flatMap(doc.text)
        try resourceLabels(d, into: &labels)

        var unparsed: [String] = []
        let firstObserved = try time(d, "firstObservedAt", &unparsed)
        let updated = try time(d, "updatedAt", &unparsed)
        if !unparsed.isEmpty { ann["unparsed_times"] = unparsed.joined(separator: ", ") }
        let detectedAt = firstObserved ?? origin.time ?? assembly.context.receivedAt
        // CLOSED: Inspector saw the fix; SUPPRESSED: a suppression rule closed it.
        let status = ann["status"]
        let resolvedAt = status == "CLOSED" || status == "SUPPRESSED" ? (updated ?? origin.time ?? assembly.context.receivedAt) : nil

        guard let details = try doc.optionalObject(d, "packageVulnerabilityDetails") else {
            labels["alertname"] = ann["summary"].flatMap { $0.isEmpty ? nil : $0 } ?? type
            labels["category"] = type == "NETWORK_REACHABILITY" ? "misconfiguration" : "vulnerability"
            alerts.append(assembly.make(
                labels: labels, annotations: ann, severity: severity, identity: FingerprintIdentity.finding,
                scope: scope, occurredAt: firstObserved, detectedAt: detectedAt, resolvedAt: resolvedAt))
            return
        }
        let cve = try doc.requireString(details, "vulnerabilityId")
        labels["alertname"] = cve
        labels["cve"] = cve
        labels["category"] = "vulnerability"
        ann["references"] = try doc.optionalArray(details, "referenceUrls")?.compactMap { doc.string($0) }.joined(separator: "\n")
        ann["primary_url"] = try doc.optionalString(details, "sourceUrl")
        ann["vendor_severity"] = try doc.optionalString(details, "vendorSeverity")
        // The CVE's publication is when the exposure began.
        let published = try time(details, "vendorCreatedAt", &unparsed)
        if !unparsed.isEmpty { ann["unparsed_times"] = unparsed.joined(separator: ", ") }
        guard let packages = try doc.optionalArray(details, "vulnerablePackages") else {
            throw DecodeError(path: doc.path(of: details, key: "vulnerablePackages"), "missing")
        }
        for p in packages {
            _ = try doc.requireObject(p)
            var l = labels
            var a = ann
            l["package"] = try doc.requireString(p, "name")
            l["installed_version"] = try Self.installedVersion(doc, p)
            a["fixed_version"] = try doc.optionalString(p, "fixedInVersion")
            a["file_path"] = try doc.optionalString(p, "filePath")
            a["package_manager"] = try doc.optionalString(p, "packageManager")
            alerts.append(assembly.make(
                labels: l, annotations: a, severity: severity, identity: FingerprintIdentity.vulnerability,
                scope: scope, occurredAt: published ?? firstObserved, detectedAt: detectedAt, resolvedAt: resolvedAt))
        }
    }

    /// Written the way Trivy and the OS package manager print it: `[epoch:]version[-release]`,
    /// so the two scanners agree on the fingerprint.
    static func installedVersion(_ doc: JSONDocument, _ p: Int) throws(DecodeError) -> String {
        let version = try doc.requireString(p, "version")
        var s = version
        if let e = doc.member(p, "epoch").flatMap(doc.int64), e > 0 { s = "\(e):" + s }
        if let release = try doc.optionalString(p, "release"), !release.isEmpty { s += "-" + release }
        return s
    }

    /// The artifact: an ECR image digest (what Trivy calls RepoDigests), else the resource id.
    private func resourceLabels(_ d: Int, into labels: inout [String: String]) throws(DecodeError) {
        guard let resources = try doc.optionalArray(d, "resources"), let r = resources.first(where: { _ in true }) else { return }
        _ = try doc.requireObject(r)
        let id = try doc.optionalString(r, "id")
        labels["resource_type"] = try doc.optionalString(r, "type")
        if labels["region"] == nil { labels["region"] = doc.nonEmptyString(r, "region") }
        if let id, !id.isEmpty { labels["artifact"] = id }
        guard let details = doc.member(r, "details") else { return }
        if let img = doc.member(details, "awsEcrContainerImage") {
            let repo = doc.nonEmptyString(img, "repositoryName")
            let registry = doc.nonEmptyString(img, "registry")
            if let hash = doc.nonEmptyString(img, "imageHash") {
                labels["artifact"] = hash
                labels["digest"] = hash
            }
            if let repo {
                let tag = doc.member(img, "imageTags").flatMap { t in doc.elements(t).lazy.compactMap { doc.string($0) }.first }
                let region = labels["region"]
                let host = registry.flatMap { reg in region.map { "\(reg).dkr.ecr.\($0).amazonaws.com/" } } ?? ""
                labels["image"] = host + repo + (tag.map { ":" + $0 } ?? "")
                labels["repository"] = repo
            }
        } else if let ec2 = doc.member(details, "awsEc2Instance") {
            labels["host"] = id
            labels["ami"] = doc.nonEmptyString(ec2, "imageId")
        } else if let fn = doc.member(details, "awsLambdaFunction") {
            labels["function"] = doc.nonEmptyString(fn, "functionName")
        }
    }

    /// Inspector's time format is undocumented and has changed before; an unknown style must not
    /// dead-letter every finding, so it is kept as text (`unparsed_times`) and treated as absent.
    /// A non-string is still an error.
    private func time(_ obj: Int, _ key: StaticString, _ unparsed: inout [String]) throws(DecodeError) -> Date? {
        guard let v = doc.member(obj, key), doc.kind(v) != .null else { return nil }
        // The AWS CLI v1 prints API timestamps as epoch seconds.
        if doc.kind(v) == .number { return try doc.awsTime(obj, key) }
        guard let s = doc.string(v) else { throw doc.typeError(v, "a string") }
        guard let d = Timestamps.inspector(s) else {
            unparsed.append("\(key)=\(s)")
            return nil
        }
        return d
    }
}
