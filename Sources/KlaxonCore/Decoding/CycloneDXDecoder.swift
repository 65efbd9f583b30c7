import Foundation

/// CycloneDX JSON (`trivy image --format cyclonedx --scanners vuln`, `grype -o cyclonedx-json`):
/// each `vulnerabilities[]` entry becomes one alert per component it `affects`, with the shared
/// vulnerability identity. An SBOM without a `vulnerabilities` list is an inventory: no alerts
/// and no scope (it says nothing about which findings are gone).
struct CycloneDXDecoder {
    let doc: JSONDocument
    let assembly: AlertAssembly
    /// `source` label when `metadata.tools` names neither trivy nor grype.
    let defaultSource: String

    struct Component {
        var name: String
        var version: String?
        var group: String?
        var purl: String?
    }

    /// `trivy` or `grype` from `metadata.tools` (a list in CycloneDX 1.4, `{components}` in 1.5+).
    static func tool(_ doc: JSONDocument, root: Int) -> String? {
        guard let tools = doc.member(root, "metadata", "tools") else { return nil }
        var list: [Int] = []
        if doc.kind(tools) == .array { list = Array(doc.elements(tools)) }
        if let comps = doc.member(tools, "components") { list += Array(doc.elements(comps)) }
        for t in list {
            guard let name = doc.member(t, "name").flatMap(doc.string)?.lowercased() else { continue }
            if name.contains("trivy") { return "trivy" }
            if name.contains("grype") { return "grype" }
        }
        return nil
    }

    func decode(root: Int, into alerts: inout [Alert], scopes: inout [String]) throws(DecodeError) {
        let bom = try doc.requireObject(root)
        let format = try doc.requireString(bom, "bomFormat")
        guard format == "CycloneDX" else { throw doc.error(try doc.requireMember(bom, "bomFormat"), "expected \"CycloneDX\", found \"\(format)\"") }
        guard let vulns = try doc.optionalArray(bom, "vulnerabilities") else { return }
        let source = Self.tool(doc, root: bom) ?? defaultSource

        var components: [String: Component] = [:]
        if let list = try doc.optionalArray(bom, "components") { try collect(list, into: &components) }
        var subject: Int?
        if let meta = try doc.optionalObject(bom, "metadata") { subject = try doc.optionalObject(meta, "component") }
        let (artifact, image, digest) = try self.artifact(subject)
        guard let artifact else {
            throw DecodeError(path: doc.path(of: bom, key: "metadata") + ".component.name", "missing: the SBOM names no subject to scope it")
        }
        // Grype's scopes are its own (see GrypeDecoder): two scanners disagreeing must not resolve each other.
        let scope = source == "grype" ? GrypeDecoder.scopePrefix + artifact : artifact
        scopes.append(scope)
        var detectedAt = assembly.context.receivedAt
        if let meta = try doc.optionalObject(bom, "metadata"), let t = try doc.optionalRFC3339(meta, "timestamp") { detectedAt = t }

        var base: [String: String] = ["source": source, "category": "vulnerability", "artifact": artifact]
        base["image"] = image
        base["digest"] = digest
        for v in vulns {
            _ = try doc.requireObject(v)
            let id = try doc.requireString(v, "id")
            let (severity, word, cvss) = try rating(v)
            var ann: [String: String] = [:]
            let description = try doc.optionalString(v, "description")
            let detail = try doc.optionalString(v, "detail")
            // CycloneDX has no title; Trivy puts it first in `description`.
            ann["summary"] = description.flatMap { $0.split(separator: "\n").first.map { String($0.prefix(200)) } } ?? id
            ann["description"] = detail ?? description
            ann["recommendation"] = try doc.optionalString(v, "recommendation")
            ann["native_severity"] = word
            ann["cvss_score"] = cvss
            ann["primary_url"] = doc.member(v, "source", "url").flatMap(doc.string)
            if let advisories = try doc.optionalArray(v, "advisories") {
                ann["references"] = advisories.compactMap { doc.member($0, "url").flatMap(doc.string) }.joined(separator: "\n")
            }
            let published = try doc.optionalString(v, "published").flatMap(Timestamps.rfc3339)
            guard let affects = try doc.optionalArray(v, "affects") else { continue }
            for a in affects {
                _ = try doc.requireObject(a)
                let ref = try doc.requireString(a, "ref")
                guard let c = components[ref] ?? Self.component(purl: ref) else {
                    throw doc.error(try doc.requireMember(a, "ref"), "no component with bom-ref \"\(ref)\"")
                }
                var labels = base
                labels["alertname"] = id
                labels["cve"] = id
                labels["package"] = c.group.map { "\($0):\(c.name)" } ?? c.name
                labels["installed_version"] = c.version
                alerts.append(assembly.make(
                    labels: labels, annotations: ann, severity: severity, identity: FingerprintIdentity.vulnerability,
                    scope: scope, occurredAt: published, detectedAt: detectedAt))
            }
        }
    }

    /// Components by `bom-ref`, nested ones included.
    private func collect(_ list: JSONDocument.Elements, into out: inout [String: Component]) throws(DecodeError) {
        for c in list {
            _ = try doc.requireObject(c)
            if let ref = try doc.optionalString(c, "bom-ref"), let name = try doc.optionalString(c, "name"), !name.isEmpty {
                // Maven components carry the group: Trivy's JSON names the package `group:artifact`.
                let group = try doc.optionalString(c, "group").flatMap { $0.isEmpty ? nil : $0 }
                let purl = try doc.optionalString(c, "purl")
                let isMaven = purl?.hasPrefix("pkg:maven/") ?? false
                out[ref] = Component(name: name, version: try doc.optionalString(c, "version"), group: isMaven ? group : nil, purl: purl)
            }
            if let nested = try doc.optionalArray(c, "components") { try collect(nested, into: &out) }
        }
    }

    /// A component from a purl used directly as a ref (`pkg:type/[namespace/]name@version`).
    static func component(purl: String) -> Component? {
        guard purl.hasPrefix("pkg:"), let slash = purl.firstIndex(of: "/") else { return nil }
        var rest = purl[purl.index(after: slash)...]
        if let q = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<q] }
        guard let at = rest.lastIndex(of: "@") else { return nil }
        let path = rest[..<at].removingPercentEncoding ?? String(rest[..<at])
        let version = String(rest[rest.index(after: at)...]).removingPercentEncoding
        let parts = path.split(separator: "/")
        guard let name = parts.last else { return nil }
        let isMaven = purl.hasPrefix("pkg:maven/")
        let group = isMaven && parts.count > 1 ? parts.dropLast().joined(separator: ".") : nil
        return Component(name: String(name), version: version, group: group, purl: purl)
    }

    /// The SBOM's subject: Trivy writes the repo digest as a property; else the digest in an
    /// `pkg:oci/…@sha256:…` purl; else the subject's name.
    private func artifact(_ subject: Int?) throws(DecodeError) -> (id: String?, image: String?, digest: String?) {
        guard let subject else { return (nil, nil, nil) }
        let name = try doc.optionalString(subject, "name").flatMap { $0.isEmpty ? nil : $0 }
        var digest: String?
        var image: String?
        if let props = try doc.optionalArray(subject, "properties") {
            for p in props {
                let key = doc.member(p, "name").flatMap(doc.string)
                guard let value = doc.member(p, "value").flatMap(doc.string), !value.isEmpty else { continue }
                if key == "aquasecurity:trivy:RepoDigest", digest == nil, let at = value.lastIndex(of: "@") {
                    digest = String(value[value.index(after: at)...])
                    if image == nil { image = String(value[..<at]) }
                } else if key == "aquasecurity:trivy:RepoTag", image == nil || image == String(value.split(separator: ":").first ?? "") {
                    image = value
                }
            }
        }
        if digest == nil, let purl = try doc.optionalString(subject, "purl"), purl.hasPrefix("pkg:oci/"),
           let at = purl.lastIndex(of: "@") {
            var d = String(purl[purl.index(after: at)...])
            if let q = d.firstIndex(of: "?") { d = String(d[..<q]) }
            d = d.removingPercentEncoding ?? d
            if d.hasPrefix("sha256:") { digest = d }
        }
        let type = try doc.optionalString(subject, "type")
        if image == nil, type == "container" { image = name }
        return (digest ?? name, image, digest)
    }

    /// The severity Trivy chose is the rating of the vulnerability's own `source` (else NVD's,
    /// else the first rating with a known word); the score is a CVSS rating of that source.
    private func rating(_ v: Int) throws(DecodeError) -> (Severity, String?, String?) {
        guard let ratings = try doc.optionalArray(v, "ratings") else { return (.unknown, nil, nil) }
        let own = doc.member(v, "source", "name").flatMap(doc.string)
        let all = Array(ratings)
        func source(_ r: Int) -> String? { doc.member(r, "source", "name").flatMap(doc.string) }
        var candidates = all.filter { own != nil && source($0) == own }
        if candidates.isEmpty { candidates = all.filter { source($0)?.lowercased() == "nvd" } }
        if candidates.isEmpty { candidates = all }
        var word: String?
        var level: Severity?
        for r in candidates {
            guard let w = doc.member(r, "severity").flatMap(doc.string), let l = SeverityMap.label(w) else { continue }
            if l.level == .unknown, word != nil { continue }
            word = w
            level = l
            if l.level != .unknown { break }
        }
        var score: Double?
        for r in candidates {
            guard let s = doc.member(r, "score").flatMap(doc.lenientDouble), s >= 0, s <= 10 else { continue }
            let method = doc.member(r, "method").flatMap(doc.string) ?? ""
            if method.hasPrefix("CVSSv3") || method.hasPrefix("CVSSv4") { score = s; break }
            if score == nil, method.hasPrefix("CVSS") { score = s }
        }
        var severity = level ?? .unknown
        if let score {
            let s = Int((score * 10).rounded())
            severity = severity.level == .unknown ? Severity(score: s) : SeverityMap.clamp(score: s, to: severity.level)
        }
        return (severity, word, score.map { String($0) })
    }
}
