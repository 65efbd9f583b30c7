import Foundation
import KlaxonTesting
import Testing
@testable import KlaxonCore

@Suite struct SuppressionMatchingTests {
    typealias F = NoiseFixtures

    @Test(arguments: [
        ("CVE-2023-1", "CVE-2023-1", true), ("CVE-2023-1", "CVE-2023-10", false),
        ("CVE-2023-*", "CVE-2023-4863", true), ("CVE-2023-*", "CVE-2024-1", false),
        ("*-dev", "payments-dev", true), ("*-dev", "payments-dev2", false),
        ("*shop*", "registry/shop/web", true), ("*shop*", "registry/sho/web", false),
        ("lib?sl", "libssl", true), ("lib?sl", "libsl", false), ("lib?sl", "libéssl", false), ("lib?sl", "libésl", true),
        ("a*b*c", "axxbyyc", true), ("a*b*c", "axxbyy", false), ("a*b*c", "abcbc", true), ("a*b?c", "abxbxc", true),
        (#"ends-with-\*"#, "ends-with-*", true), (#"ends-with-\*"#, "ends-with-x", false), ("*", "", true), ("", "", true), ("", "x", false),
        ("**/x", "a/b/x", true), ("a/*", "a/b/c", true),
    ])
    func globPatterns(pattern: String, value: String, matches: Bool) {
        #expect(GlobPattern(pattern).matches(value) == matches)
    }

    @Test func globLiteralness() {
        #expect(GlobPattern("CVE-1").isLiteral)
        #expect(!GlobPattern("CVE-*").isLiteral)
        #expect(GlobPattern(#"a\*"#).isLiteral)
    }

    @Test(arguments: [
        ("registry.example.com/shop/*", "registry.example.com/shop/web:1.4", true),
        ("registry.example.com/shop/*", "registry.example.com/shop/team/api@sha256:abc", true),
        ("registry.example.com/shop/*", "registry.example.com/shopping/web:1", false),
        ("registry.example.com/shop/*", "other.example.com/shop/web:1", false),
        ("registry.example.com/shop/web", "registry.example.com/shop/web:1.4", true),
        ("registry.example.com/shop/web", "registry.example.com/shop/web@sha256:abc", true),
        ("registry.example.com/shop/web", "registry.example.com/shop/web:1.4@sha256:abc", true),
        ("registry.example.com/shop/web", "registry.example.com/shop/web-admin:1.4", false),
        ("registry.example.com/shop/web:1.4", "registry.example.com/shop/web:1.4", true),
        ("registry.example.com/shop/web:1.4", "registry.example.com/shop/web:1.5", false),
        ("registry.example.com/shop/web:1.*", "registry.example.com/shop/web:1.5", true),
        ("localhost:5000/app", "localhost:5000/app:2", true),
        ("localhost:5000/app", "localhost:5000/app", true),
        ("localhost:5000/app", "localhost:5000/apps:2", false),
    ])
    func imagePatterns(pattern: String, image: String, matches: Bool) {
        let rule = IgnoreRule(images: [pattern], reason: "r", owner: "o")
        #expect(rule.matches(F.vuln(cve: "CVE-1", image: image), at: F.t0) == matches)
    }

    @Test func everyConditionMustHoldAndAnyPatternWithinOne() throws {
        let rule = IgnoreRule(vulnerabilities: ["CVE-2023-0001", "CVE-2023-0002"], packages: ["openssl", "libssl*"],
                              images: ["registry.example.com/shop/*"], matchers: try Matcher.parseList(#"severity=~"high|critical""#),
                              reason: "accepted", owner: "secops")
        #expect(rule.matches(F.vuln(cve: "CVE-2023-0001"), at: F.t0))
        #expect(rule.matches(F.vuln(cve: "CVE-2023-0002", package: "libssl3"), at: F.t0))
        #expect(!rule.matches(F.vuln(cve: "CVE-2023-0003"), at: F.t0))
        #expect(!rule.matches(F.vuln(cve: "CVE-2023-0001", package: "zlib"), at: F.t0))
        #expect(!rule.matches(F.vuln(cve: "CVE-2023-0001", image: "docker.io/library/nginx:1"), at: F.t0))
        #expect(!rule.matches(F.vuln(cve: "CVE-2023-0001", image: nil), at: F.t0), "a missing label fails its condition")
        #expect(!rule.matches(F.vuln(cve: "CVE-2023-0001", extra: ["severity": "low"]), at: F.t0))
    }

    @Test func idMatchesAnyFindingIdLabel() {
        let rule = IgnoreRule(ids: ["AVD-DS-0002", "CVE-2023-0001", "generic-unwanted-rule"], reason: "r", owner: "o")
        #expect(rule.matches(F.vuln(cve: "CVE-2023-0001"), at: F.t0))
        let misconfig = Alert(labels: ["rule": "DS002", "avd_id": "AVD-DS-0002"], severity: .high, fingerprint: Fingerprint(value: 1))
        #expect(rule.matches(misconfig, at: F.t0))
        let secret = Alert(labels: ["rule": "generic-unwanted-rule"], severity: .high, fingerprint: Fingerprint(value: 2))
        #expect(rule.matches(secret, at: F.t0))
        let other = Alert(labels: ["rule": "DS003", "avd_id": "AVD-DS-0003"], severity: .high, fingerprint: Fingerprint(value: 3))
        #expect(!rule.matches(other, at: F.t0))
    }

    @Test func ruleMatchesFalcoRuleOrCheckIds() {
        let rule = IgnoreRule(rules: ["Terminal shell in container", "AVD-KSV-*"], reason: "r", owner: "o")
        #expect(rule.matches(F.falco(), at: F.t0))
        #expect(!rule.matches(F.falco(rule: "Write below etc"), at: F.t0))
        let check = Alert(labels: ["rule": "KSV001", "avd_id": "AVD-KSV-0001"], severity: .low, fingerprint: Fingerprint(value: 9))
        #expect(rule.matches(check, at: F.t0))
        #expect(!rule.matches(F.vuln(cve: "CVE-1"), at: F.t0))
    }

    @Test func artifactMatchesScopeOrArtifactLabel() {
        let rule = IgnoreRule(artifacts: ["sha256:aaa*"], reason: "r", owner: "o")
        #expect(rule.matches(F.vuln(cve: "CVE-1", artifact: "sha256:aaa111"), at: F.t0))
        #expect(!rule.matches(F.vuln(cve: "CVE-1", artifact: "sha256:bbb"), at: F.t0))
        var labelOnly = F.vuln(cve: "CVE-1", artifact: "sha256:aaa2")
        labelOnly.scope = nil
        #expect(rule.matches(labelOnly, at: F.t0))
        var scopeOnly = F.vuln(cve: "CVE-1", artifact: "sha256:aaa3")
        scopeOnly.labels["artifact"] = nil
        #expect(rule.matches(scopeOnly, at: F.t0))
        #expect(!rule.matches(F.falco(), at: F.t0))
    }

    @Test func ruleWithoutConditionMatchesNothing() {
        let rule = IgnoreRule(reason: "r", owner: "o")
        #expect(!rule.hasCondition)
        #expect(!rule.matches(F.vuln(cve: "CVE-1"), at: F.t0))
    }

    @Test func expiryIsInclusiveAtTheBoundaryLikeTrivy() throws {
        let c = try F.load("""
        suppressions:
          - {id: CVE-1, reason: r, owner: o, expires: 2027-01-31}
          - {id: CVE-1, reason: second, owner: o, expires: "2027-01-31T00:00:00.500Z"}
        """)
        let day = Date(timeIntervalSince1970: 1_801_353_600)  // 2027-01-31T00:00:00Z
        let alert = F.vuln(cve: "CVE-1")
        #expect(c.suppressions[0].matches(alert, at: day.addingTimeInterval(-86_400)))
        #expect(c.suppressions[0].matches(alert, at: day))
        #expect(!c.suppressions[0].matches(alert, at: day.addingTimeInterval(0.001)))
        #expect(c.activeIgnoreRule(for: alert, at: day)?.reason == "r")
        #expect(c.activeIgnoreRuleIndex(for: alert, at: day.addingTimeInterval(0.001)) == 1)
        #expect(c.activeIgnoreRule(for: alert, at: day.addingTimeInterval(0.5))?.reason == "second")
        #expect(c.activeIgnoreRule(for: alert, at: day.addingTimeInterval(0.501)) == nil)
        #expect(c.expiredRules(at: day).isEmpty)
        #expect(c.expiredRules(at: day.addingTimeInterval(0.001)).map(\.reason) == ["r"])
        #expect(c.expiredRules(at: day.addingTimeInterval(1)).map(\.reason) == ["r", "second"])
        #expect(c.rulesExpiring(within: .seconds(3600), at: day.addingTimeInterval(-60)).map(\.reason) == ["r", "second"])
        #expect(c.rulesExpiring(within: .seconds(30), at: day.addingTimeInterval(-60)).isEmpty)
    }

    @Test func firstActiveRuleWinsInConfigOrder() throws {
        let c = try F.load("""
        suppressions:
          - {package: zlib, reason: zlib, owner: a}
          - {image: "registry.example.com/shop/*", reason: shop, owner: b}
          - {vulnerability: CVE-1, reason: cve, owner: c}
        """)
        #expect(c.activeIgnoreRule(for: F.vuln(cve: "CVE-1"), at: F.t0)?.reason == "shop")
        #expect(c.activeIgnoreRule(for: F.vuln(cve: "CVE-1", image: "x/y:1"), at: F.t0)?.reason == "cve")
        #expect(c.activeIgnoreRule(for: F.vuln(cve: "CVE-1", package: "zlib", image: "x/y:1"), at: F.t0)?.reason == "zlib")
        #expect(c.activeIgnoreRule(for: F.vuln(cve: "CVE-2", image: "x/y:1"), at: F.t0) == nil)
    }

    @Test func indexedLookupAgreesWithALinearScan() throws {
        // Literal ids (indexed), wildcard ids and condition-only rules (scanned), interleaved.
        var rng = SplitMix64(seed: 7)
        var rules: [IgnoreRule] = []
        for i in 0..<300 {
            switch i % 5 {
            case 0: rules.append(IgnoreRule(vulnerabilities: ["CVE-\(rng.next() % 50)"], reason: "v\(i)", owner: "o"))
            case 1: rules.append(IgnoreRule(ids: ["CVE-\(rng.next() % 50)", "DS\(rng.next() % 20)"], packages: ["p\(rng.next() % 3)"], reason: "i\(i)", owner: "o"))
            case 2: rules.append(IgnoreRule(vulnerabilities: ["CVE-\(rng.next() % 5)*"], reason: "w\(i)", owner: "o"))
            case 3: rules.append(IgnoreRule(packages: ["p\(rng.next() % 40)"], reason: "p\(i)", owner: "o",
                                            expires: F.t0.addingTimeInterval(Double(rng.next() % 3) - 1)))
            default: rules.append(IgnoreRule(rules: ["DS\(rng.next() % 20)"], reason: "r\(i)", owner: "o"))
            }
        }
        let config = NoiseConfig(suppressions: rules)
        var hits = 0
        for _ in 0..<2000 {
            var alert = F.vuln(cve: "CVE-\(rng.next() % 60)", package: "p\(rng.next() % 50)")
            if rng.next() % 2 == 0 { alert.labels["rule"] = "DS\(rng.next() % 25)" }
            let linear = rules.firstIndex { $0.matches(alert, at: F.t0) }
            #expect(config.activeIgnoreRuleIndex(for: alert, at: F.t0) == linear)
            if linear != nil { hits += 1 }
        }
        #expect(hits > 200 && hits < 1900, "the sample exercises both outcomes")
    }
}

