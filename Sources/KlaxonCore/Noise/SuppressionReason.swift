/// Why an alert report did not notify. A closed set; the raw values are the `reason` label of
/// `klaxon_alerts_suppressed_total` and never change.
public enum SuppressionReason: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Someone marked this fingerprint as a false positive.
    case falsePositive = "false_positive"
    /// An ignore rule (`suppressions:`) matches it.
    case ignored
    /// An active silence matches it.
    case silenced
    /// A firing alert inhibits it (`inhibit_rules:`).
    case inhibited
    /// It is a repeat of a firing alert that was already notified.
    case duplicate
    /// A threshold rule holds it (below its count, burst already notified, or flap damping).
    case threshold

    /// The order `NoiseFilter` checks reasons in: the first that applies is the one reported.
    public static let precedence: [SuppressionReason] = [.falsePositive, .ignored, .silenced, .inhibited, .duplicate, .threshold]

    public var description: String { rawValue }
}
