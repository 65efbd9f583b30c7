import Foundation

/// One entry of `suppressions:` — an accepted risk or known false positive, written down with a
/// reason, an owner and usually an expiry. An alert is ignored when it meets **every** condition
/// the rule gives; within one condition, any of the listed patterns may match. Patterns are
/// `GlobPattern`s (`*`, `?`), literal when they have no wildcard.
///
/// Conditions and the alert fields they test (a missing label fails the condition):
/// - `vulnerabilities` — the `cve` label (Trivy, Inspector, SARIF vulnerability ids incl. GHSA).
/// - `ids` — Trivy's notion of a finding id: the `cve`, `rule` or `avd_id` label
///   (what a `.trivyignore` line names).
/// - `packages` — the `package` label.
/// - `images` — the `image` label. A pattern without a tag or digest also matches every tag and
///   digest of that repository (`registry.example.com/shop/app` matches `…/shop/app:1.2`).
/// - `artifacts` — the alert's scan `scope`, or its `artifact` label.
/// - `rules` — the `rule` label (Falco rule, check id, secret rule) or the `avd_id` label.
/// - `matchers` — Alertmanager matchers over the labels, ANDed.
public struct IgnoreRule: Sendable, Hashable {
    public var name: String?
    public var vulnerabilities: [GlobPattern]
    public var ids: [GlobPattern]
    public var packages: [GlobPattern]
    public var images: [GlobPattern]
    public var artifacts: [GlobPattern]
    public var rules: [GlobPattern]
    public var matchers: [Matcher]
    /// Why this is accepted (required, non-empty).
    public var reason: String
    /// Who answers for it: a team or person (required, non-empty).
    public var owner: String
    /// The rule applies up to and including this instant; nil never expires. A date-only
    /// `expires: 2027-01-31` is 2027-01-31T00:00:00Z, exactly as Trivy reads `exp:2027-01-31`.
    public var expires: Date?
    /// Where the rule was configured (nil for rules built in code).
    public var origin: ConfigOrigin?

    public init(
        name: String? = nil, vulnerabilities: [String] = [], ids: [String] = [], packages: [String] = [],
        images: [String] = [], artifacts: [String] = [], rules: [String] = [], matchers: [Matcher] = [],
        reason: String, owner: String, expires: Date? = nil, origin: ConfigOrigin? = nil
    ) {
        self.name = name
        self.vulnerabilities = vulnerabilities.map(GlobPattern.init)
        self.ids = ids.map(GlobPattern.init)
        self.packages = packages.map(GlobPattern.init)
        self.images = images.map(GlobPattern.init)
        self.artifacts = artifacts.map(GlobPattern.init)
        self.rules = rules.map(GlobPattern.init)
        self.matchers = matchers
        self.reason = reason
        self.owner = owner
        self.expires = expires
        self.origin = origin
    }

    /// True when the rule has at least one condition (a rule without one is refused by the loader).
    public var hasCondition: Bool {
        !(vulnerabilities.isEmpty && ids.isEmpty && packages.isEmpty && images.isEmpty
          && artifacts.isEmpty && rules.isEmpty && matchers.isEmpty)
    }

    /// Whether the rule still applies at `now` (`now <= expires`, like a silence's `endsAt`).
    @inline(__always)
    public func isActive(at now: Date) -> Bool {
        guard let expires else { return true }
        return now <= expires
    }

    /// Whether the rule is active at `now` and `alert` meets every condition.
    public func matches(_ alert: Alert, at now: Date) -> Bool {
        isActive(at: now) && matchesConditions(alert)
    }

    /// The conditions alone, ignoring expiry. A rule with no condition matches nothing.
    public func matchesConditions(_ alert: Alert) -> Bool {
        guard hasCondition else { return false }
        let labels = alert.labels
        if !vulnerabilities.isEmpty, !IgnoreRule.any(vulnerabilities, labels["cve"]) { return false }
        if !ids.isEmpty, !(IgnoreRule.any(ids, labels["cve"]) || IgnoreRule.any(ids, labels["rule"])
                           || IgnoreRule.any(ids, labels["avd_id"])) { return false }
        if !packages.isEmpty, !IgnoreRule.any(packages, labels["package"]) { return false }
        if !rules.isEmpty, !(IgnoreRule.any(rules, labels["rule"]) || IgnoreRule.any(rules, labels["avd_id"])) { return false }
        if !artifacts.isEmpty, !(IgnoreRule.any(artifacts, alert.scope) || IgnoreRule.any(artifacts, labels["artifact"])) { return false }
        if !images.isEmpty, !IgnoreRule.matchesImage(images, labels["image"]) { return false }
        return matchers.matches(labels)
    }

    /// A short human name: `suppressions[1] 'base-image CVE accepted'`.
    public var displayName: String {
        let place: String
        if let o = origin, !o.keyPath.isEmpty { place = o.keyPath }
        else if let o = origin { place = o.description }
        else { place = name ?? "suppression" }
        return "\(place) '\(reason)'"
    }

    @inline(__always)
    private static func any(_ patterns: [GlobPattern], _ value: String?) -> Bool {
        guard var value else { return false }
        return value.withUTF8 { buf in patterns.contains { $0.matches(utf8: buf) } }
    }

    private static func matchesImage(_ patterns: [GlobPattern], _ image: String?) -> Bool {
        guard let image else { return false }
        if any(patterns, image) { return true }
        let repo = repository(of: image)
        guard repo.utf8.count != image.utf8.count else { return false }
        let repoString = String(repo)
        return patterns.contains { !hasTagOrDigest($0.source) && $0.matches(repoString) }
    }

    /// `registry:5000/a/b:1.2@sha256:…` → `registry:5000/a/b`.
    static func repository(of image: String) -> Substring {
        var s = Substring(image)
        if let at = s.firstIndex(of: "@") { s = s[..<at] }
        let lastSlash = s.lastIndex(of: "/")
        if let colon = s.lastIndex(of: ":"), lastSlash.map({ colon > $0 }) ?? true { s = s[..<colon] }
        return s
    }

    private static func hasTagOrDigest(_ pattern: String) -> Bool {
        if pattern.contains("@") { return true }
        let afterSlash = pattern.lastIndex(of: "/").map { pattern[pattern.index(after: $0)...] } ?? Substring(pattern)
        return afterSlash.contains(":")
    }
}
