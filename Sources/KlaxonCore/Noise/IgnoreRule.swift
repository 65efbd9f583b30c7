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
        matchesConditions(FindingFields(alert), labels: alert.labels)
    }

    /// The conditions over fields looked up once per alert (the hot path of `NoiseConfig`).
    func matchesConditions(_ f: FindingFields, labels: [String: String]) -> Bool {
        guard hasCondition else { return false }
        if !vulnerabilities.isEmpty, !IgnoreRule.any(vulnerabilities, f.cve) { return false }
        if !ids.isEmpty, !(IgnoreRule.any(ids, f.cve) || IgnoreRule.any(ids, f.rule) || IgnoreRule.any(ids, f.avdID)) { return false }
        if !packages.isEmpty, !IgnoreRule.any(packages, f.package) { return false }
        if !rules.isEmpty, !(IgnoreRule.any(rules, f.rule) || IgnoreRule.any(rules, f.avdID)) { return false }
        if !artifacts.isEmpty, !(IgnoreRule.any(artifacts, f.scope) || IgnoreRule.any(artifacts, f.artifact)) { return false }
        if !images.isEmpty, !matchesImage(f.image) { return false }
        return matchers.isEmpty || matchers.matches(labels)
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

    /// Image patterns match the whole reference, or — for patterns without a tag or digest —
    /// its repository part.
    private func matchesImage(_ image: String?) -> Bool {
        guard var image else { return false }
        return image.withUTF8 { buf in
            if images.contains(where: { $0.matches(utf8: buf) }) { return true }
            let repoLength = IgnoreRule.repositoryLength(buf)
            guard repoLength < buf.count else { return false }
            let repo = UnsafeBufferPointer(rebasing: buf[0..<repoLength])
            return images.contains { !$0.hasTagOrDigest && $0.matches(utf8: repo) }
        }
    }

    /// Length of the repository part of an image reference:
    /// `registry:5000/a/b:1.2@sha256:…` → `registry:5000/a/b`.
    static func repositoryLength(_ b: UnsafeBufferPointer<UInt8>) -> Int {
        var end = b.firstIndex(of: UInt8(ascii: "@")) ?? b.count
        var lastSlash = -1
        var lastColon = -1
        for i in 0..<end {
            if b[i] == UInt8(ascii: "/") { lastSlash = i } else if b[i] == UInt8(ascii: ":") { lastColon = i }
        }
        if lastColon > lastSlash { end = lastColon }
        return end
    }
}

/// The alert fields ignore rules test, looked up once per alert.
struct FindingFields {
    var cve, rule, avdID, package, image, artifact, scope: String?

    init(_ alert: Alert) {
        let l = alert.labels
        cve = l["cve"]
        rule = l["rule"]
        avdID = l["avd_id"]
        package = l["package"]
        image = l["image"]
        artifact = l["artifact"]
        scope = alert.scope
    }
}
