import Foundation

/// Trivy `--format json` reports, SchemaVersion 2: vulnerabilities, misconfigurations (FAIL
/// only) and secrets become alerts; licenses are not security alerts and are skipped.
/// The report's artifact is the scan scope, so a later report resolves what it no longer lists.
struct TrivyDecoder {
    let doc: JSONDocument
    let assembly: AlertAssembly

    /// The artifact of a report: its identity (`artifact` label, scope) and display names.
    struct Artifact {
        var id: String
        var name: String?
        var image: String?
        var digest: String?
        var type: String?
        /// The scan scope of the alerts (the artifact id, or the Kubernetes resource in a cluster report).
        var scope: String

        init(id: String, name: String? = nil, image: String? = nil, digest: String? = nil, type: String? = nil, scope: String? = nil) {
            self.id = id
            self.name = name
            self.image = image
            self.digest = digest
            self.type = type
            self.scope = scope ?? id
        }
    }

    /// Appends the report's alerts. The same vulnerability in one package version is listed once
    /// per Result (e.g. several go.mod files); it is one alert, with every target in `targets`.
    /// Besides the SchemaVersion 2 report: `trivy k8s` cluster reports, the list that Trivy
    /// printed before SchemaVersion 2, and CycloneDX/SPDX output (`TrivyDecoder+Shapes.swift`).
    func decode(root: Int, into alerts: inout [Alert], scopes: inout [String]) throws(DecodeError) {
        var found: [Alert] = []
        switch doc.kind(root) {
        case .array:
            try decodeLegacyList(root: root, into: &found, scopes: &scopes)
        case .object where doc.member(root, "ClusterName") != nil:
            try decodeCluster(root: root, into: &found, scopes: &scopes)
        case .object where doc.member(root, "bomFormat") != nil:
            try CycloneDXDecoder(doc: doc, assembly: assembly, defaultSource: "trivy").decode(root: root, into: &found, scopes: &scopes)
        case .object where doc.member(root, "spdxVersion") != nil:
            try SPDXDocument.check(doc, root: root)
        default:
            try decodeAll(root: root, into: &found, scopes: &scopes)
        }
        FindingMerge.append(found, to: &alerts)
    }

    private func decodeAll(root: Int, into alerts: inout [Alert], scopes: inout [String]) throws(DecodeError) {
        let report = try doc.requireObject(root)
        let schema = try doc.requireMember(report, "SchemaVersion")
        guard let version = doc.int64(schema) else { throw doc.typeError(schema, "an integer") }
        guard version == 2 else { throw doc.error(schema, "unsupported Trivy SchemaVersion \(version) (expected 2)") }

        let artifact = try readArtifact(report)
        var detectedAt = assembly.context.receivedAt
        if let created = try doc.optionalString(report, "CreatedAt") {
            guard let d = Timestamps.rfc3339(created) else {
                throw DecodeError(path: doc.path(of: report, key: "CreatedAt"), "not an RFC 3339 timestamp: \(created)")
            }
            detectedAt = d
        }
        scopes.append(artifact.id)

        var base: [String: String] = ["source": "trivy", "artifact": artifact.id]
        base["image"] = artifact.image
        base["digest"] = artifact.digest
        base["artifact_type"] = artifact.type

        guard let results = try doc.optionalArray(report, "Results") else { return }
        try decodeResults(results, base: base, artifact: artifact, detectedAt: detectedAt, into: &alerts)
    }

    /// The findings of a report's `Results`; `base` labels go on every alert.
    func decodeResults(
        _ results: JSONDocument.Elements, base: [String: String], artifact: Artifact, detectedAt: Date, into alerts: inout [Alert]
    ) throws(DecodeError) {
        for result in results {
            _ = try doc.requireObject(result)
            var labels = base
            labels["target"] = try doc.optionalString(result, "Target")
            labels["class"] = try doc.optionalString(result, "Class")
            if let vulns = try doc.optionalArray(result, "Vulnerabilities") {
                for v in vulns {
                    alerts.append(try vulnerability(v, labels: labels, artifact: artifact, detectedAt: detectedAt))
                }
            }
            if let misconfs = try doc.optionalArray(result, "Misconfigurations") {
                for m in misconfs {
                    if let a = try misconfiguration(m, labels: labels, artifact: artifact, detectedAt: detectedAt) { alerts.append(a) }
                }
            }
            if let secrets = try doc.optionalArray(result, "Secrets") {
                for s in secrets {
                    alerts.append(try secret(s, labels: labels, artifact: artifact, detectedAt: detectedAt))
                }
            }
        }
    }

    /// Identity of the scanned artifact: the image manifest digest when Trivy knows it (the same
    /// digest ECR/Inspector report), otherwise the artifact name.
    func readArtifact(_ report: Int) throws(DecodeError) -> Artifact {
        let name = try doc.optionalString(report, "ArtifactName")
        let type = try doc.optionalString(report, "ArtifactType")
        var digest: String?
        var image: String?
        if let meta = try doc.optionalObject(report, "Metadata") {
            if let digests = try doc.optionalArray(meta, "RepoDigests") {
                for d in digests {
                    guard let s = doc.string(d), let at = s.lastIndex(of: "@") else { continue }
                    digest = String(s[s.index(after: at)...])
                    image = String(s[..<at])
                    break
                }
            }
            if let tags = try doc.optionalArray(meta, "RepoTags") {
                for t in tags {
                    if let s = doc.string(t), !s.isEmpty { image = s; break }
                }
            }
        }
        if image == nil, type == "container_image" { image = name }
        var imageID: String?
        if let meta = try doc.optionalObject(report, "Metadata") { imageID = try doc.optionalString(meta, "ImageID") }
        // Some reports carry an empty ArtifactName and RepoDigests [""]; the config digest is
        // then the only stable name left.
        guard let id = digest ?? (name?.isEmpty == false ? name : nil) ?? (imageID?.isEmpty == false ? imageID : nil) else {
            throw DecodeError(path: doc.path(of: report, key: "ArtifactName"), "missing (and no Metadata.RepoDigests or ImageID): the report has no artifact to scope it")
        }
        return Artifact(id: id, name: name, image: image, digest: digest, type: type)
    }

    private func severity(_ obj: Int) throws(DecodeError) -> (Severity, String) {
        let word = try doc.requireString(obj, "Severity")
        return (SeverityMap.label(word) ?? .unknown, word)
    }

    private func vulnerability(_ v: Int, labels base: [String: String], artifact: Artifact, detectedAt: Date) throws(DecodeError) -> Alert {
        _ = try doc.requireObject(v)
        let id = try doc.requireString(v, "VulnerabilityID")
        let pkg = try doc.requireString(v, "PkgName")
        var (sev, word) = try severity(v)
        var labels = base
        labels["alertname"] = id
        labels["category"] = "vulnerability"
        labels["cve"] = id
        labels["package"] = pkg
        labels["installed_version"] = try doc.optionalString(v, "InstalledVersion")
        var ann: [String: String] = [:]
        ann["summary"] = try doc.optionalString(v, "Title") ?? id
        ann["description"] = try doc.optionalString(v, "Description")
        ann["fixed_version"] = try doc.optionalString(v, "FixedVersion")
        ann["status"] = try doc.optionalString(v, "Status")
        ann["primary_url"] = try doc.optionalString(v, "PrimaryURL")
        ann["native_severity"] = word
        let severitySource = try doc.optionalString(v, "SeveritySource")
        if let refs = try doc.optionalArray(v, "References") {
            ann["references"] = refs.compactMap { doc.string($0) }.joined(separator: "\n")
        }
        if let cvss = try doc.optionalObject(v, "CVSS"), let (score, src) = cvssScore(cvss, preferred: severitySource) {
            ann["cvss_score"] = String(score)
            ann["cvss_source"] = src
            let s = Int((score * 10).rounded())
            sev = sev.level == .unknown ? Severity(score: s) : SeverityMap.clamp(score: s, to: sev.level)
        }
        var occurredAt: Date?
        if let published = try doc.optionalString(v, "PublishedDate") { occurredAt = Timestamps.rfc3339(published) }
        return assembly.make(
            labels: labels, annotations: ann, severity: sev, identity: FingerprintIdentity.vulnerability,
            scope: artifact.scope, occurredAt: occurredAt, detectedAt: detectedAt)
    }

    /// Documented rule: the CVSS entry of `SeveritySource` (the vendor whose rating Trivy used);
    /// when the report names no SeveritySource, `nvd`, else the first source by name. Within
    /// the entry: V3 score, then V4.0, then V2. A SeveritySource without a CVSS entry (debian,
    /// ghsa, …) gives no score: another vendor's number would contradict the label Trivy chose.
    func cvssScore(_ cvss: Int, preferred: String?) -> (Double, String)? {
        var candidates: [(String, Int)] = []
        if let p = preferred {
            if let e = doc.member(cvss, named: p) { candidates.append((p, e)) }
        } else {
            var others: [(String, Int)] = []
            for (k, v) in doc.members(cvss) {
                guard let name = doc.string(k) else { continue }
                if name == "nvd" { candidates.append((name, v)) } else { others.append((name, v)) }
            }
            candidates += others.sorted { $0.0 < $1.0 }
        }
        for (name, entry) in candidates {
            if let d = score(entry, "V3Score") ?? score(entry, "V40Score") ?? score(entry, "V2Score") { return (d, name) }
        }
        return nil
    }

    private func score(_ entry: Int, _ key: StaticString) -> Double? {
        guard let n = doc.member(entry, key), let d = doc.double(n), d >= 0, d <= 10 else { return nil }
        return d
    }

    private func misconfiguration(_ m: Int, labels base: [String: String], artifact: Artifact, detectedAt: Date) throws(DecodeError) -> Alert? {
        _ = try doc.requireObject(m)
        // PASS and EXCEPTION results are checks that held; only failures are alerts.
        if let status = try doc.optionalString(m, "Status"), status != "FAIL" { return nil }
        var id = try doc.optionalString(m, "ID").flatMap { $0.isEmpty ? nil : $0 }
        if id == nil { id = try doc.optionalString(m, "AVDID").flatMap { $0.isEmpty ? nil : $0 } }
        guard let id else { throw DecodeError(path: doc.path(of: m, key: "ID"), "missing") }
        let (sev, word) = try severity(m)
        var labels = base
        labels["alertname"] = id
        labels["category"] = "misconfiguration"
        labels["rule"] = id
        labels["avd_id"] = try doc.optionalString(m, "AVDID")
        labels["check_type"] = try doc.optionalString(m, "Type")
        if let cause = try doc.optionalObject(m, "CauseMetadata") {
            labels["resource"] = try doc.optionalString(cause, "Resource")
            if labels["resource"] == nil || labels["resource"] == "", let line = doc.member(cause, "StartLine").flatMap(doc.int64), line > 0 {
                labels["line"] = String(line)
            }
        }
        var ann: [String: String] = [:]
        ann["summary"] = try doc.optionalString(m, "Title") ?? id
        ann["description"] = try doc.optionalString(m, "Description")
        ann["message"] = try doc.optionalString(m, "Message")
        ann["resolution"] = try doc.optionalString(m, "Resolution")
        ann["primary_url"] = try doc.optionalString(m, "PrimaryURL")
        ann["native_severity"] = word
        if let refs = try doc.optionalArray(m, "References") {
            ann["references"] = refs.compactMap { doc.string($0) }.joined(separator: "\n")
        }
        return assembly.make(
            labels: labels, annotations: ann, severity: sev, identity: FingerprintIdentity.misconfiguration,
            scope: artifact.scope, detectedAt: detectedAt)
    }

    private func secret(_ s: Int, labels base: [String: String], artifact: Artifact, detectedAt: Date) throws(DecodeError) -> Alert {
        _ = try doc.requireObject(s)
        let rule = try doc.requireString(s, "RuleID")
        let (sev, word) = try severity(s)
        var labels = base
        labels["alertname"] = rule
        labels["category"] = "secret"
        labels["rule"] = rule
        labels["secret_category"] = try doc.optionalString(s, "Category")
        if let line = doc.member(s, "StartLine").flatMap(doc.int64) { labels["line"] = String(line) }
        var ann: [String: String] = [:]
        ann["summary"] = try doc.optionalString(s, "Title") ?? rule
        // Trivy already masks the secret in Match; never copy Code.Lines, which may not be masked.
        ann["match"] = try doc.optionalString(s, "Match")
        ann["native_severity"] = word
        return assembly.make(
            labels: labels, annotations: ann, severity: sev, identity: FingerprintIdentity.secret,
            scope: artifact.scope, detectedAt: detectedAt)
    }
}
