import Foundation

/// SARIF 2.1.0 from any tool; Trivy's SARIF gets its package details back out of the message.
/// Severity: rule `security-severity` (0–10) when above 0, else a severity word in the rule's
/// tags (Trivy), else the result level (error 4, warning 3, note 2, none 1).
struct SarifDecoder {
    let doc: JSONDocument
    let assembly: AlertAssembly

    /// Rule lookup by id and by index, per run.
    private struct Rules {
        var byID: [String: Int] = [:]
        var byIndex: [Int] = []
    }

    func decode(root: Int, into alerts: inout [Alert], scopes: inout [String]) throws(DecodeError) {
        let log = try doc.requireObject(root)
        if let v = try doc.optionalString(log, "version"), v != "2.1.0" {
            throw DecodeError(path: "version", "unsupported SARIF version \"\(v)\" (expected 2.1.0)")
        }
        guard let runs = try doc.optionalArray(log, "runs") else { throw DecodeError(path: "runs", "missing") }
        for run in runs {
            _ = try doc.requireObject(run)
            let driver = try doc.requireObject(try doc.requireMember(try doc.requireMember(run, "tool"), "driver"))
            let tool = try doc.requireString(driver, "name")
            var rules = Rules()
            if let list = try doc.optionalArray(driver, "rules") {
                for r in list {
                    rules.byIndex.append(r)
                    if let id = doc.member(r, "id").flatMap(doc.string) { rules.byID[id] = r }
                }
            }
            let artifact = try runArtifact(run)
            if let a = artifact { scopes.append(a.id) }
            guard let results = try doc.optionalArray(run, "results") else { continue }
            var seen: Set<Fingerprint> = []
            for result in results {
                let alert = try self.result(result, tool: tool, rules: rules, artifact: artifact)
                if seen.insert(alert.fingerprint).inserted { alerts.append(alert) }
            }
        }
    }

    private struct Artifact {
        var id: String
        var image: String?
    }

    /// The scanned artifact when the run names it (Trivy image properties or version control).
    private func runArtifact(_ run: Int) throws(DecodeError) -> Artifact? {
        if let props = doc.member(run, "properties") {
            let image = doc.nonEmptyString(props, "imageName")
            if let digests = doc.member(props, "repoDigests") {
                for d in doc.elements(digests) {
                    if let s = doc.string(d), let at = s.lastIndex(of: "@") {
                        return Artifact(id: String(s[s.index(after: at)...]), image: image)
                    }
                }
            }
            var tag: String?
            if let tags = doc.member(props, "repoTags") { tag = doc.elements(tags).lazy.compactMap { doc.string($0) }.first }
            if let image { return Artifact(id: image, image: tag ?? image) }
        }
        if let vcs = doc.member(run, "versionControlProvenance"), let first = doc.elements(vcs).first(where: { _ in true }),
           let repo = doc.nonEmptyString(first, "repositoryUri") {
            return Artifact(id: repo, image: nil)
        }
        return nil
    }

    private func result(_ r: Int, tool: String, rules: Rules, artifact: Artifact?) throws(DecodeError) -> Alert {
        _ = try doc.requireObject(r)
        // The rule is found by `ruleIndex`, else by id (`ruleId` or `rule.id`); when both are
        // given and disagree, the id wins, as it is what a reader of the result sees.
        var rule: Int?
        if let i = doc.member(r, "ruleIndex").flatMap(doc.int64), i >= 0, i < rules.byIndex.count { rule = rules.byIndex[Int(i)] }
        var ruleID = try doc.optionalString(r, "ruleId").flatMap { $0.isEmpty ? nil : $0 }
        if ruleID == nil, let node = doc.member(r, "rule") { ruleID = doc.nonEmptyString(node, "id") }
        if let id = ruleID {
            let indexedID = rule.flatMap { doc.member($0, "id").flatMap(doc.string) }
            if indexedID != id, let byID = rules.byID[id] { rule = byID }
        } else if let rule {
            ruleID = doc.nonEmptyString(rule, "id")
        }
        guard let ruleID else { throw DecodeError(path: doc.path(of: r, key: "ruleId"), "missing (and no rule reference)") }

        let message = doc.member(r, "message").flatMap { doc.nonEmptyString($0, "text") }
        let level = try doc.optionalString(r, "level")
            ?? rule.flatMap { doc.member($0, "defaultConfiguration", "level").flatMap(doc.string) } ?? "warning"
        let tags = rule.flatMap { doc.member($0, "properties", "tags") }.map { doc.elements($0).compactMap { doc.string($0) } } ?? []
        let severity = try self.severity(rule: rule, tags: tags, level: level, result: r)

        var labels: [String: String] = ["source": "sarif", "tool": tool, "rule": ruleID, "alertname": ruleID]
        if let loc = doc.member(r, "locations").flatMap({ doc.elements($0).first(where: { _ in true }) }),
           let phys = doc.member(loc, "physicalLocation") {
            labels["target"] = doc.member(phys, "artifactLocation").flatMap { doc.nonEmptyString($0, "uri") }
            if let line = doc.member(phys, "region", "startLine").flatMap(doc.int64) { labels["line"] = String(line) }
        }
        labels["artifact"] = artifact?.id ?? labels["target"]
        labels["image"] = artifact?.image
        var ann: [String: String] = [:]
        ann["summary"] = rule.flatMap { doc.member($0, "shortDescription").flatMap { doc.nonEmptyString($0, "text") } } ?? message
        ann["description"] = message
        ann["help_uri"] = rule.flatMap { doc.nonEmptyString($0, "helpUri") }
        ann["level"] = level

        // Trivy writes "Package: x\nInstalled Version: y\n…" — enough for the shared identity.
        let details = message.map(Self.trivyDetails) ?? [:]
        let identity: [String]
        if let pkg = details["Package"], let version = details["Installed Version"] {
            labels["category"] = "vulnerability"
            labels["cve"] = ruleID
            labels["package"] = pkg
            labels["installed_version"] = version
            if let fixed = details["Fixed Version"], !fixed.isEmpty { ann["fixed_version"] = fixed }
            identity = FingerprintIdentity.vulnerability
        } else {
            labels["category"] = tags.contains("secret") ? "secret" : tags.contains("misconfiguration") ? "misconfiguration" : "vulnerability"
            if let partial = doc.member(r, "partialFingerprints"), doc.count(partial) > 0 {
                // The tool's own location-independent fingerprint beats a line number.
                let pairs = doc.members(partial).compactMap { kv in doc.string(kv.key).flatMap { k in doc.text(kv.value).map { "\(k)=\($0)" } } }
                labels["partial_fingerprint"] = pairs.sorted().joined(separator: ",")
                identity = ["source", "tool", "rule", "artifact", "target", "partial_fingerprint"]
            } else {
                identity = FingerprintIdentity.sarif
            }
        }
        return assembly.make(
            labels: labels, annotations: ann, severity: severity, identity: identity,
            scope: artifact?.id, detectedAt: assembly.context.receivedAt)
    }

    private func severity(rule: Int?, tags: [String], level: String, result: Int) throws(DecodeError) -> Severity {
        let props = [doc.member(result, "properties"), rule.flatMap { doc.member($0, "properties") }]
        for p in props.compactMap({ $0 }) {
            if let n = doc.member(p, "security-severity") {
                guard let v = doc.lenientDouble(n) else { throw doc.typeError(n, "a 0–10 score") }
                if v > 0, let s = SeverityMap.tenPoint(v) { return s }
            }
        }
        for t in tags { if let s = SeverityMap.label(t), t == t.uppercased() { return s } }
        switch level {
        case "error": return .high
        case "warning": return .medium
        case "note": return .low
        case "none": return .info
        default: throw DecodeError(path: doc.path(of: result, key: "level"), "unknown SARIF level \"\(level)\"")
        }
    }

    /// `Key: value` lines of a Trivy SARIF message.
    static func trivyDetails(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if out[key] == nil { out[key] = value }
        }
        return out
    }
}
