/// The parts of a configuration that decide what would have been notified: the routing tree
/// with its receivers, inhibit rules and time intervals; the noise rules; the overrides.
public struct ReplayConfig: Sendable {
    public var routing: RoutingConfig
    public var noise: NoiseConfig
    public var severityOverrides: SeverityOverrides
    public var identityOverrides: IdentityOverrides
    /// Fingerprints marked as false positives (the same for both sides of a comparison).
    public var falsePositives: Set<Fingerprint>

    public init(
        routing: RoutingConfig, noise: NoiseConfig = NoiseConfig(), severityOverrides: SeverityOverrides = SeverityOverrides(),
        identityOverrides: IdentityOverrides = IdentityOverrides(), falsePositives: Set<Fingerprint> = []
    ) {
        self.routing = routing
        self.noise = noise
        self.severityOverrides = severityOverrides
        self.identityOverrides = identityOverrides
        self.falsePositives = falsePositives
    }
}
