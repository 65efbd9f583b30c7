import Foundation

/// Trivy outputs other than the SchemaVersion 2 report: `trivy k8s` cluster reports and the
/// top-level list of results that Trivy printed before SchemaVersion 2.
extension TrivyDecoder {
    /// `trivy k8s --format json`: `ClusterName` with `Resources` (`--report all`), `Findings`
    /// (`--report summary`, results merged per workload) or, before Trivy 0.40, `Vulnerabilities`
    /// and `Misconfigurations`, each a list of `{Namespace, Kind, Name, Metadata, Results}`.
    ///
    /// Scope: one per Kubernetes resource (`k8s:CLUSTER/NAMESPACE/KIND/NAME`), so a later report
    /// resolves what a workload no longer has (a new image, a fixed manifest) while a report
    /// narrowed with `--include-namespaces`/`--include-kinds` leaves other resources alone.
    /// A vulnerability's `artifact` is its image (digest when known): the same image in several
    /// workloads, or scanned in CI, is one alert.
    func decodeCluster(root: Int, into alerts: inout [Alert], scopes: inout [String]) throws(DecodeError) {
        let report = try doc.requireObject(root)
        let cluster = try doc.optionalString(report, "ClusterName") ?? ""
        var detectedAt = assembly.context.receivedAt
        if let created = try doc.optionalRFC3339(report, "CreatedAt") { detectedAt = created }
        var lists: [JSONDocument.Elements] = []
        for key in ["Resources", "Findings", "Vulnerabilities", "Misconfigurations"] as [StaticString] {
            if let l = try doc.optionalArray(report, key) { lists.append(l) }
        }
        var seenScopes: Set<String> = []
        for list in lists {
            for resource in list {
                _ = try doc.requireObject(resource)
                let namespace = try doc.optionalString(resource, "Namespace") ?? ""
                let kind = try doc.requireString(resource, "Kind")
                let name = try doc.requireString(resource, "Name")
                let scope = "k8s:\(cluster)/\(namespace)/\(kind)/\(name)"
                // A resource scanned with an error has unknown findings: it must not resolve any.
                let failed = (try doc.optionalString(resource, "Error")).map { !$0.isEmpty } ?? false
                if !failed, seenScopes.insert(scope).inserted { scopes.append(scope) }
                var base: [String: String] = ["source": "trivy", "workload": "\(kind)/\(name)"]
                base["cluster"] = cluster
                base["namespace"] = namespace
                let image = try imageMetadata(doc.member(resource, "Metadata"))
                guard let results = try doc.optionalArray(resource, "Results") else { continue }
                for result in results {
                    _ = try doc.requireObject(result)
                    let target = try doc.optionalString(result, "Target")
                    let cls = try doc.optionalString(result, "Class")
                    // Image contents (packages, secrets in layers) belong to the image; manifests
                    // belong to the workload.
                    var artifact = Artifact(id: scope, scope: scope)
                    if cls != "config", let id = image.digest ?? image.name ?? target.flatMap(Self.imageName(target:)) {
                        artifact = Artifact(id: id, image: image.name ?? target.flatMap(Self.imageName(target:)), digest: image.digest,
                                            type: "container_image", scope: scope)
                    }
                    var labels = base
                    labels["artifact"] = artifact.id
                    labels["image"] = artifact.image
                    labels["digest"] = artifact.digest
                    labels["artifact_type"] = artifact.type
                    try decodeResults(singleElement(result), base: labels, artifact: artifact, detectedAt: detectedAt, into: &alerts)
                }
            }
        }
    }

    /// The list Trivy printed before SchemaVersion 2 (v0.19 and older): `[{"Target", "Type",
    /// "Vulnerabilities"}, …]`, no artifact name or digest. The artifact is the image named by
    /// the first OS result's target (`alpine:3.10 (alpine 3.10.2)` → `alpine:3.10`), else the
    /// first target; it is the scope. Without a digest these findings cannot join a newer
    /// report's (whose artifact is the digest).
    func decodeLegacyList(root: Int, into alerts: inout [Alert], scopes: inout [String]) throws(DecodeError) {
        var firstTarget: String?
        var imageName: String?
        for result in doc.elements(root) {
            _ = try doc.requireObject(result)
            guard let t = try doc.optionalString(result, "Target"), !t.isEmpty else { continue }
            if firstTarget == nil { firstTarget = t }
            if imageName == nil, let n = Self.imageName(target: t) { imageName = n }
        }
        guard let id = imageName ?? firstTarget else {
            if doc.count(root) == 0 { return }
            throw DecodeError(path: doc.path(of: root) + "[0].Target", "missing: no result names a target to scope the report")
        }
        scopes.append(id)
        let artifact = Artifact(id: id, name: id, image: imageName, type: imageName == nil ? nil : "container_image")
        var base: [String: String] = ["source": "trivy", "artifact": id]
        base["image"] = imageName
        base["artifact_type"] = artifact.type
        try decodeResults(doc.elements(root), base: base, artifact: artifact, detectedAt: assembly.context.receivedAt, into: &alerts)
    }

    /// `nginx:1.25 (debian 12.4)` → `nginx:1.25`: Trivy names an image's OS result this way.
    static func imageName(target: String) -> String? {
        guard target.hasSuffix(")"), let open = target.range(of: " (", options: .backwards) else { return nil }
        let name = target[..<open.lowerBound]
        return name.isEmpty ? nil : String(name)
    }

    /// Image name and digest from a k8s resource's `Metadata` (an object, or a list of them in
    /// some versions): `RepoDigests` (`repo@sha256:…`) and `RepoTags`.
    private func imageMetadata(_ node: Int?) throws(DecodeError) -> (name: String?, digest: String?) {
        guard let node, doc.kind(node) != .null else { return (nil, nil) }
        var meta = node
        if doc.kind(node) == .array {
            guard let first = doc.elements(node).first(where: { _ in true }) else { return (nil, nil) }
            meta = first
        }
        _ = try doc.requireObject(meta)
        var name: String?
        var digest: String?
        if let digests = try doc.optionalArray(meta, "RepoDigests") {
            for d in digests {
                guard let s = doc.string(d), let at = s.lastIndex(of: "@") else { continue }
                digest = String(s[s.index(after: at)...])
                name = String(s[..<at])
                break
            }
        }
        if let tags = try doc.optionalArray(meta, "RepoTags") {
            for t in tags { if let s = doc.string(t), !s.isEmpty { name = s; break } }
        }
        return (name, digest)
    }

    /// A one-element view over `node`, so `decodeResults` can take a single result.
    private func singleElement(_ node: Int) -> JSONDocument.Elements {
        JSONDocument.Elements(nodes: doc.nodes, i: node, end: Int(doc.nodes[node].next))
    }
}
