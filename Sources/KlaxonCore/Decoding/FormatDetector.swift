/// Recognizes the input format from the shape of a parsed value (never from file names or
/// topic names), for topics configured with `format: auto`.
enum FormatDetector {
    static func detect(_ doc: JSONDocument, root: Int) throws(DecodeError) -> InputFormat {
        guard doc.kind(root) == .object else {
            throw DecodeError("unrecognized input: expected a JSON object, found \(doc.kindName(root))")
        }
        if doc.member(root, "SchemaVersion") != nil, doc.member(root, "ArtifactName") != nil || doc.member(root, "Results") != nil || doc.member(root, "ArtifactType") != nil {
            return .trivy
        }
        if doc.member(root, "rule") != nil, doc.member(root, "priority") != nil,
           doc.member(root, "output") != nil || doc.member(root, "output_fields") != nil {
            return .falco
        }
        if doc.member(root, "runs") != nil,
           doc.member(root, "version").flatMap(doc.string) == "2.1.0" || doc.member(root, "$schema").flatMap(doc.string)?.lowercased().contains("sarif") == true {
            return .sarif
        }
        if doc.member(root, "detail-type") != nil, let source = doc.member(root, "source").flatMap(doc.string) {
            switch source {
            case "aws.guardduty": return .guardduty
            case "aws.inspector2": return .inspector2
            case "aws.ecr": return .ecr
            case "aws.securityhub": return .securityhub
            default: throw DecodeError(path: "source", "unsupported EventBridge source \"\(source)\"")
            }
        }
        if doc.member(root, "klaxon") != nil, doc.member(root, "alerts") != nil { return .klaxon }
        if doc.member(root, "alerts") != nil,
           doc.member(root, "receiver") != nil || doc.member(root, "groupLabels") != nil || doc.member(root, "version").flatMap(doc.string) == "4" {
            return .alertmanager
        }
        throw DecodeError(
            "unrecognized input: not Trivy JSON (SchemaVersion + Results), Falco (rule + priority + output), "
                + "SARIF 2.1.0 (version + runs), an AWS EventBridge event (detail-type + source), "
                + "an Alertmanager webhook (receiver + alerts) or Klaxon JSON (klaxon + alerts)")
    }
}
