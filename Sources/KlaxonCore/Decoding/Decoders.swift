import Foundation

/// Entry point: bytes of one message → normalized alerts, or a `DecodeError` naming the culprit.
///
/// A message may hold several whitespace-separated JSON values (NDJSON, e.g. a batch of Falco
/// events); with `auto` the first value decides the format and the others must match it.
public enum Decoders {
    public static func decode(_ data: Data, format: InputFormat, context: DecodeContext) throws(DecodeError) -> DecodedReport {
        let doc: JSONDocument
        do { doc = try JSONDocument(bytes: [UInt8](data)) } catch {
            // Say what the input is not before where the parser stopped.
            throw DecodeError(path: error.path, error.path.isEmpty ? "not valid JSON: \(error.message)" : error.message)
        }
        let resolved = format == .auto ? try FormatDetector.detect(doc, root: doc.roots[0]) : format
        let assembly = AlertAssembly(context: context)
        var alerts: [Alert] = []
        var scopes: [String] = []
        var scanned: [ScannedArtifact] = []
        for root in doc.roots {
            switch resolved {
            case .auto:
                preconditionFailure("resolved above")
            case .trivy:
                let trivy = TrivyDecoder(doc: doc, assembly: assembly)
                try trivy.decode(root: root, into: &alerts, scopes: &scopes)
                if let s = trivy.scannedArtifact(root: root) { scanned.append(s) }
            case .falco:
                alerts.append(try FalcoDecoder(doc: doc, assembly: assembly).decode(root: root))
            case .sarif:
                try SarifDecoder(doc: doc, assembly: assembly).decode(root: root, into: &alerts, scopes: &scopes)
            case .guardduty:
                try GuardDutyDecoder(doc: doc, assembly: assembly).decodeFindings(root: root, into: &alerts)
            case .inspector2:
                try Inspector2Decoder(doc: doc, assembly: assembly).decodeFindings(root: root, into: &alerts)
            case .ecr:
                if doc.member(root, "imageScanFindings") != nil {
                    try ECRScanFindingsDecoder(doc: doc, assembly: assembly).decode(root: root, into: &alerts, scopes: &scopes)
                } else if doc.member(root, "source").flatMap(doc.string) == "aws.inspector2" {
                    // ECR enhanced scanning publishes Inspector2 findings; accept them on an ECR topic.
                    try Inspector2Decoder(doc: doc, assembly: assembly).decode(root: root, into: &alerts)
                } else {
                    try ECRScanDecoder(doc: doc, assembly: assembly).decode(root: root, into: &alerts, scopes: &scopes)
                }
            case .securityhub:
                try SecurityHubDecoder(doc: doc, assembly: assembly).decodeFindings(root: root, into: &alerts)
            case .grype:
                try GrypeDecoder(doc: doc, assembly: assembly).decode(root: root, into: &alerts, scopes: &scopes)
            case .alertmanager:
                try AlertmanagerDecoder(doc: doc, assembly: assembly).decode(root: root, into: &alerts)
            case .klaxon:
                try KlaxonJSONDecoder(doc: doc, assembly: assembly).decode(root: root, into: &alerts, scopes: &scopes)
            }
        }
        return DecodedReport(format: resolved, alerts: alerts, scopes: scopes, scanned: scanned)
    }
}
