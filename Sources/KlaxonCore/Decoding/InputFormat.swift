/// The formats Klaxon reads from a topic. `auto` detects the format from the content.
public enum InputFormat: String, Sendable, CaseIterable, Codable {
    case auto
    case trivy
    case sarif
    case falco
    case guardduty
    case inspector2
    case ecr
    case securityhub
    case alertmanager
    case klaxon
    case grype
}
