/// What an SLA bounds: the time to acknowledge (from the first notification) or to resolve
/// (from detection).
public enum SLAKind: String, Sendable, Hashable, CaseIterable, Codable {
    case acknowledge, resolve
}
