/// The `gate:` section of `klaxon.yml`: limits for `klaxon gate`, with per-environment changes.
///
/// ```yaml
/// gate:
///   max: {critical: 0, high: 0, medium: 5, low: unlimited}
///   fail_on_violation: true
///   environments:
///     prod: {max: {medium: 0}}
///     dev: {max: {medium: 20}, fail_on_violation: false}
/// ```
/// Every key is optional; what is not given keeps the application guide's policy
/// (`GateLimits.applicationGuide`).
public struct GateConfig: Sendable, Hashable {
    /// Applies to every environment.
    public var base: GateLimitOverride
    /// Applied on top of `base` for the environment named (lower-case).
    public var environments: [String: GateLimitOverride]

    public init(base: GateLimitOverride = GateLimitOverride(), environments: [String: GateLimitOverride] = [:]) {
        self.base = base
        self.environments = environments
    }

    /// `base`, then the entry for `environment` (matched case-insensitively) if there is one.
    public func override(for environment: String?) -> GateLimitOverride {
        guard let environment, let env = environments[environment.lowercased()] else { return base }
        return base.merged(with: env)
    }
}
