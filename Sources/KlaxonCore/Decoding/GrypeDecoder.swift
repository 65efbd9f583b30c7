import Foundation

/// Grype JSON (`grype IMAGE -o json`): `matches[]`, each a `vulnerability`, the matched
/// `artifact` (package) and `relatedVulnerabilities` (the CVE behind a GHSA/distro advisory).
/// Findings carry the shared vulnerability identity, so Grype and Trivy reporting the same CVE
/// in the same package version of the same image digest are one alert. `ignoredMatches` are
/// findings the user told Grype to ignore: not alerts.
struct GrypeDecoder {
    let doc: JSONDocument
    let assembly: AlertAssembly

    /// Grype's scopes are `grype:ARTIFACT`, not the bare artifact Trivy uses: when two scanners
    /// disagree about a CVE, each one's report resolves only what that scanner reported, instead
    /// of the two resolving and re-firing each other's findings on every scan.
    static let scopePrefix = "grype:"

    /// DESIGN.md: Critical 5, High 4, Medium 3, Low 2, Negligible 1, Unknown 0.
    static func severity(_ word: String) -> Severity? {
        switch word.lowercased() {
        case "critical": .critical
        case "high": .high
        case "medium": .medium
        case "low": .low
        case "negligible": .info
        case "unknown", "": .unknown
        default: nil
        }
    }

    func decode(root: Int, into alerts: inout [Alert], scopes: inout [String]) throws(DecodeError) {
        let report = try doc.requireObject(root)
        // CycloneDX written by `grype -o cyclonedx-json`.
        if doc.member(report, "bomFormat") != nil {
            var found: [Alert] = []
            try CycloneDXDecoder(doc: doc, assembly: assembly, defaultSource: "grype").decode(root: root, into: &found, scopes: &scopes)
            FindingMerge.append(found, to: &alerts)
            return
        }
        let matchesNode = try doc.requireMember(report, "matches")
        guard doc.kind(matchesNode) == .array || doc.kind(matchesNode) == .null else { throw doc.typeError(matchesNode, "an array") }
        let subject = try self.subject(report)
        if let id = subject.id { scopes.append(Self.scopePrefix + id) }
        var detectedAt = assembly.context.receivedAt
        if let descriptor = try doc.optionalObject(report, "descriptor"),
           let t = try doc.optionalString(descriptor, "timestamp"), !t.isEmpty {
            guard let d = Timestamps.rfc3339(t) else {
                throw DecodeError(path: doc.path(of: descriptor, key: "timestamp"), "not an RFC 3339 timestamp: \(t)")
            }
            detectedAt = d
        }
        var base: [String: String] = ["source": "grype", "category": "vulnerability"]
        base["artifact"] = subject.id
        base["image"] = subject.image
        base["digest"] = subject.digest
        base["artifact_type"] = subject.type
        let scope = subject.id.map { Self.scopePrefix + $0 }

        var found: [Alert] = []
        for m in doc.elements(matchesNode) {
            found.append(try match(m, base: base, scope: scope, detectedAt: detectedAt))
        }
        FindingMerge.append(found, to: &alerts)
    }

    private struct Subject {
        var id: String?
        var image: String?
        var digest: String?
        var type: String?
    }

    /// `source.target`: an image (`repoDigests` `repo@sha256:…` as Trivy's RepoDigests, else
    /// `userInput`, else `imageID`), or a path/purl string for directory, file and SBOM scans.
    private func subject(_ report: Int) throws(DecodeError) -> Subject {
        guard let source = try doc.optionalObject(report, "source") else { return Subject() }
        var s = Subject()
        s.type = try doc.optionalString(source, "type")
        guard let target = doc.member(source, "target") else { return s }
        switch doc.kind(target) {
        case .string:
            if let t = doc.string(target), !t.isEmpty, t != "unknown" { s.id = t }
        case .object:
            if let digests = try doc.optionalArray(target, "repoDigests") {
                for d in digests {
                    guard let str = doc.string(d), let at = str.lastIndex(of: "@") else { continue }
                    s.digest = String(str[str.index(after: at)...])
                    s.image = String(str[..<at])
                    break
                }
            }
            if let tags = try doc.optionalArray(target, "tags") {
                for t in tags { if let str = doc.string(t), !str.isEmpty { s.image = str; break } }
            }
            let input = try doc.optionalString(target, "userInput").flatMap { $0.isEmpty ? nil : $0 }
            if s.image == nil { s.image = input }
            let imageID = try doc.optionalString(target, "imageID").flatMap { $0.isEmpty ? nil : $0 }
            s.id = s.digest ?? input ?? imageID
        default:
            break
        }
        return s
    }

    private func match(_ m: Int, base: [String: String], scope: String?, detectedAt: Date) throws(DecodeError) -> Alert {
        _ = try doc.requireObject(m)
        let v = try doc.requireObject(try doc.requireMember(m, "vulnerability"))
        let pkg = try doc.requireObject(try doc.requireMember(m, "artifact"))
        let id = try doc.requireString(v, "id")
        let word = try doc.optionalString(v, "severity") ?? "Unknown"
        guard var severity = Self.severity(word) else {
            throw DecodeError(path: doc.path(of: v, key: "severity"), "unknown Grype severity \"\(word)\"")
        }
        // Trivy names a finding by its CVE when the advisory (GHSA-…, a distro id) has one.
        var cve = id
        var relatedDescription: String?
        if let list = try doc.optionalArray(m, "relatedVulnerabilities") {
            for r in list {
                if relatedDescription == nil { relatedDescription = doc.member(r, "description").flatMap(doc.string) }
                guard cve == id, !id.hasPrefix("CVE-"), let rid = doc.member(r, "id").flatMap(doc.string), rid.hasPrefix("CVE-") else { continue }
                cve = rid
            }
        }
        var labels = base
        labels["alertname"] = cve
        labels["cve"] = cve
        labels["package"] = try packageName(pkg)
        labels["installed_version"] = try doc.optionalString(pkg, "version")
        labels["package_type"] = try doc.optionalString(pkg, "type")
        if let locations = try doc.optionalArray(pkg, "locations"), let first = locations.first(where: { _ in true }) {
            labels["target"] = doc.member(first, "path").flatMap(doc.string)
        }

        var ann: [String: String] = [:]
        ann["summary"] = "\(cve) - \(labels["package"] ?? "")"
        ann["description"] = try doc.optionalString(v, "description") ?? relatedDescription
        ann["native_severity"] = word
        ann["primary_url"] = try doc.optionalString(v, "dataSource")
        if cve != id { ann["vulnerability_id"] = id }
        if let urls = try doc.optionalArray(v, "urls") { ann["references"] = urls.compactMap { doc.string($0) }.joined(separator: "\n") }
        if let fix = try doc.optionalObject(v, "fix") {
            ann["status"] = try doc.optionalString(fix, "state")
            if let versions = try doc.optionalArray(fix, "versions") {
                ann["fixed_version"] = versions.compactMap { doc.string($0) }.joined(separator: ", ")
            }
        }
        // CVSS of the record whose severity Grype shows (the newest CVSS version it lists):
        // another record's number could contradict that label, as with Trivy's vendors.
        if let (score, vector) = try cvss(v) {
            ann["cvss_score"] = String(score)
            ann["cvss_vector"] = vector
            let s = Int((score * 10).rounded())
            severity = severity.level == .unknown ? Severity(score: s) : SeverityMap.clamp(score: s, to: severity.level)
        }
        return assembly.make(
            labels: labels, annotations: ann, severity: severity, identity: FingerprintIdentity.vulnerability,
            scope: scope, detectedAt: detectedAt)
    }

    /// The package as Trivy names it: Maven artifacts as `group:artifact` (from the purl),
    /// everything else by its name.
    private func packageName(_ pkg: Int) throws(DecodeError) -> String {
        let name = try doc.requireString(pkg, "name")
        if let purl = try doc.optionalString(pkg, "purl"), purl.hasPrefix("pkg:maven/"),
           let c = CycloneDXDecoder.component(purl: purl), let group = c.group {
            return "\(group):\(c.name)"
        }
        return name
    }

    private func cvss(_ v: Int) throws(DecodeError) -> (Double, String?)? {
        guard let list = try doc.optionalArray(v, "cvss") else { return nil }
        var best: (version: Double, score: Double, vector: String?)?
        for c in list {
            guard let score = doc.member(c, "metrics", "baseScore").flatMap(doc.lenientDouble), score >= 0, score <= 10 else { continue }
            let version = doc.member(c, "version").flatMap(doc.lenientDouble) ?? 0
            if let b = best, version <= b.version { continue }
            best = (version, score, doc.member(c, "vector").flatMap(doc.string))
        }
        return best.map { ($0.score, $0.vector) }
    }
}
