/// Recognizes the input format from the shape of a parsed value (never from file names or
/// topic names), for topics configured with `format: auto`. Every rule names fields only its
/// format writes; docs/formats.md has the table, and a test checks every sample and fixture is
/// detected as exactly its format.
enum FormatDetector {
    static func detect(_ doc: JSONDocument, root: Int) throws(DecodeError) -> InputFormat {
        if let format = matches(doc, root: root).first { return format }
        guard doc.kind(root) == .object else {
            throw DecodeError("unrecognized input: expected a JSON object, found \(doc.kindName(root))")
        }
        if doc.member(root, "detail-type") != nil, let source = doc.member(root, "source").flatMap(doc.string) {
            throw DecodeError(path: "source", "unsupported EventBridge source \"\(source)\"")
        }
        throw DecodeError(
            "unrecognized input: not Trivy JSON (SchemaVersion + Results, ClusterName + Resources, a list of results, "
                + "CycloneDX, SPDX), Grype JSON (matches + source), Falco (rule + priority + output), "
                + "SARIF 2.1.0 (version + runs), an AWS EventBridge event (detail-type + source), "
                + "AWS CLI findings (findings/Findings, imageScanFindings) or one AWS finding, "
                + "an Alertmanager webhook (receiver + alerts) or Klaxon JSON (klaxon + alerts)")
    }

    /// Every format whose rule the value matches. The rules do not depend on their order: for an
    /// unambiguous input this has one element (tests check it for every sample and fixture).
    static func matches(_ doc: JSONDocument, root: Int) -> [InputFormat] {
        var out: [InputFormat] = []
        // Trivy before SchemaVersion 2 printed a bare list of results.
        if doc.kind(root) == .array, let first = doc.elements(root).first(where: { _ in true }),
           doc.kind(first) == .object, doc.member(first, "Target") != nil {
            out.append(.trivy)
        }
        guard doc.kind(root) == .object else { return out }
        func has(_ key: StaticString) -> Bool { doc.member(root, key) != nil }
        if has("SchemaVersion"), has("ArtifactName") || has("Results") || has("ArtifactType") { out.append(.trivy) }
        // `trivy k8s`: all (Resources), summary (Findings), before 0.40 (Vulnerabilities/Misconfigurations).
        if has("ClusterName"), has("Resources") || has("Findings") || has("Vulnerabilities") || has("Misconfigurations") {
            out.append(.trivy)
        }
        if doc.member(root, "bomFormat").flatMap(doc.string) == "CycloneDX" {
            out.append(CycloneDXDecoder.tool(doc, root: root) == "grype" ? .grype : .trivy)
        }
        if has("spdxVersion"), has("SPDXID") { out.append(.trivy) }
        if has("matches"), has("source") || has("descriptor") { out.append(.grype) }
        if has("rule"), has("priority"), has("output") || has("output_fields") { out.append(.falco) }
        if has("runs"), doc.member(root, "version").flatMap(doc.string) == "2.1.0"
            || doc.member(root, "$schema").flatMap(doc.string)?.lowercased().contains("sarif") == true {
            out.append(.sarif)
        }
        if has("detail-type") {
            switch doc.member(root, "source").flatMap(doc.string) {
            case "aws.guardduty": out.append(.guardduty)
            case "aws.inspector2": out.append(.inspector2)
            case "aws.ecr": out.append(.ecr)
            case "aws.securityhub": out.append(.securityhub)
            default: break
            }
        } else if let format = awsFinding(doc, root) {
            out.append(format)
        }
        if has("klaxon"), has("alerts") { out.append(.klaxon) }
        if has("alerts"), has("receiver") || has("groupLabels") || doc.member(root, "version").flatMap(doc.string) == "4" {
            out.append(.alertmanager)
        }
        return out
    }

    /// AWS CLI output and bare findings. `{"Findings":[…]}` is both Security Hub's and
    /// GuardDuty's `get-findings`, and `{"findings":[…]}` both Inspector's `list-findings` and
    /// GuardDuty's camelCase shape: the first finding's fields decide. An empty list decodes to
    /// nothing either way (Security Hub / Inspector2 are chosen).
    private static func awsFinding(_ doc: JSONDocument, _ root: Int) -> InputFormat? {
        if doc.member(root, "imageScanFindings") != nil,
           doc.member(root, "repositoryName") != nil || doc.member(root, "imageId") != nil {
            return .ecr
        }
        for key in ["Findings", "findings"] as [StaticString] {
            guard let list = doc.member(root, key), doc.kind(list) == .array else { continue }
            guard let first = doc.elements(list).first(where: { _ in true }) else {
                return key.description == "Findings" ? .securityhub : .inspector2
            }
            return finding(doc, first)
        }
        return finding(doc, root)
    }

    /// One finding: Inspector (`findingArn`), ASFF (`ProductArn` + `AwsAccountId`), or GuardDuty
    /// (`type`, `service` and a numeric `severity`, camelCase or PascalCase).
    private static func finding(_ doc: JSONDocument, _ f: Int) -> InputFormat? {
        guard doc.kind(f) == .object else { return nil }
        if doc.member(f, "findingArn") != nil, doc.member(f, "type") != nil, doc.member(f, "severity") != nil { return .inspector2 }
        if doc.member(f, "ProductArn") != nil, doc.member(f, "AwsAccountId") != nil { return .securityhub }
        for c in [KeyCase.camel, .pascal] {
            if doc.member(f, "type", c) != nil, doc.member(f, "service", c) != nil,
               let sev = doc.member(f, "severity", c), doc.kind(sev) == .number {
                return .guardduty
            }
        }
        return nil
    }
}
