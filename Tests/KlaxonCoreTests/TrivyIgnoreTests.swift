import Foundation
import Testing
@testable import KlaxonCore

@Suite struct TrivyIgnoreTests {
    typealias F = NoiseFixtures

    /// Trivy's own test file (pkg/result/testdata/.trivyignore) plus the shapes seen in the wild:
    /// section headers, trailing comments, CRLF, indentation, unknown fields, a bad date.
    static let realistic = """
    # Accepted base-image findings, reviewed by secops
    # ticket SEC-101
    CVE-2019-0001
    CVE-2019-0002

    CVE-2019-0004 exp:2020-01-01
    CVE-2019-0005 exp:9999-01-01
    CVE-2019-0006 exp:9999-01-01 key2:value2
    \tCVE-2022-3996   exp:2027-01-31  # waiting for upstream openssl fix\r
    CVE-2023-9999 exp:2027-13-01
    CVE-2023-8888 exp:tomorrow # not a date

    # misconfigurations
    AVD-DS-0002
    #
    # secrets
    generic-unwanted-rule
    GHSA-m425-mq94-257g #no space after hash
    """

    @Test func parsesIdsExpiryAndReasons() {
        let r = TrivyIgnore.read(Self.realistic, owner: "secops", file: "app/.trivyignore")
        #expect(r.rules.map { $0.ids.map(\.source) } == [
            ["CVE-2019-0001"], ["CVE-2019-0002"], ["CVE-2019-0004"], ["CVE-2019-0005"], ["CVE-2019-0006"],
            ["CVE-2022-3996"], ["AVD-DS-0002"], ["generic-unwanted-rule"], ["GHSA-m425-mq94-257g"],
        ])
        #expect(r.rules.map(\.reason) == [
            // A block over two ids is a section header, not the reason of each.
            #"imported from app/.trivyignore:3 (no reason given; listed under the comment "Accepted base-image findings, reviewed by secops ticket SEC-101")"#,
            #"imported from app/.trivyignore:4 (no reason given; listed under the comment "Accepted base-image findings, reviewed by secops ticket SEC-101")"#,
            "imported from app/.trivyignore:6 (no reason given)",
            "imported from app/.trivyignore:7 (no reason given)",
            "imported from app/.trivyignore:8 (no reason given)",
            "waiting for upstream openssl fix",
            "misconfigurations",
            #"imported from app/.trivyignore:17 (no reason given; listed under the comment "secrets")"#,
            "no space after hash",
        ])
        #expect(r.rules.allSatisfy { $0.owner == "secops" && $0.hasCondition })
        #expect(r.rules.map { $0.origin?.line ?? 0 } == [3, 4, 6, 7, 8, 9, 14, 17, 18])
        #expect(r.rules[0].origin?.file == "app/.trivyignore")
        #expect(r.rules[0].expires == nil)
        #expect(r.rules[2].expires == Date(timeIntervalSince1970: 1_577_836_800))  // 2020-01-01T00:00:00Z
        #expect(r.rules[5].expires == Date(timeIntervalSince1970: 1_801_353_600))  // 2027-01-31T00:00:00Z
        #expect(r.warnings.map(\.description) == [
            #"app/.trivyignore:10: CVE-2023-9999: invalid expiration date "2027-13-01" (expected YYYY-MM-DD); line skipped, as Trivy skips it"#,
            #"app/.trivyignore:11: CVE-2023-8888: invalid expiration date "tomorrow" (expected YYYY-MM-DD); line skipped, as Trivy skips it"#,
        ])
        #expect(TrivyIgnore.parse(Self.realistic, owner: "secops", file: "app/.trivyignore") == r.rules)
    }

    @Test func importedRulesSuppressLikeTrivy() {
        let rules = TrivyIgnore.parse(Self.realistic, owner: "secops", file: ".trivyignore")
        let config = NoiseConfig(suppressions: rules)
        let now = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15
        #expect(config.activeIgnoreRule(for: F.vuln(cve: "CVE-2019-0001"), at: now) != nil)
        #expect(config.activeIgnoreRule(for: F.vuln(cve: "CVE-2019-0004"), at: now) == nil, "expired in 2020")
        #expect(config.activeIgnoreRule(for: F.vuln(cve: "CVE-2019-0005"), at: now) != nil)
        #expect(config.activeIgnoreRule(for: F.vuln(cve: "CVE-2023-9999"), at: now) == nil, "bad date: not ignored")
        let misconfig = Alert(labels: ["rule": "DS002", "avd_id": "AVD-DS-0002"], severity: .high, fingerprint: Fingerprint(value: 1))
        #expect(config.activeIgnoreRule(for: misconfig, at: now)?.reason == "misconfigurations")
        #expect(config.expiredRules(at: now).map { $0.ids[0].source } == ["CVE-2019-0004"])
        #expect(config.activeIgnoreRule(for: F.vuln(cve: "CVE-2022-3996"), at: Date(timeIntervalSince1970: 1_801_353_601)) == nil)
    }

    /// Trivy's documented style (a comment above each id) keeps its reasons; a header comment
    /// over a list is not taken as the reason of the entries after it.
    @Test func aCommentIsTheReasonOnlyOfTheOneIdUnderIt() {
        let text = """
        # .trivyignore for shop-api, owned by secops
        CVE-2024-0001
        CVE-2024-0002 # base image, fixed in 3.20
        CVE-2024-0003

        # Accept the risk
        CVE-2018-14618

        # No impact in our settings
        # (TLS is terminated upstream)
        CVE-2019-1543
        # trailing note
        """
        #expect(TrivyIgnore.parse(text, owner: "o", file: "f").map(\.reason) == [
            #"imported from f:2 (no reason given; listed under the comment ".trivyignore for shop-api, owned by secops")"#,
            "base image, fixed in 3.20",
            #"imported from f:4 (no reason given; listed under the comment ".trivyignore for shop-api, owned by secops")"#,
            "Accept the risk",
            "No impact in our settings (TLS is terminated upstream)",
        ])
    }

    @Test func emptyAndCommentOnlyFilesGiveNoRules() {
        #expect(TrivyIgnore.parse("", owner: "o", file: "f").isEmpty)
        #expect(TrivyIgnore.parse("# nothing\n\n   \n#CVE-1\n", owner: "o", file: "f").isEmpty)
        #expect(SuppressionYAML.render([]) == "suppressions: []\n")
    }

    @Test func renderedYAMLLoadsBackToTheSameRules() throws {
        let rules = TrivyIgnore.parse(Self.realistic, owner: "sec \"ops\"", file: ".trivyignore")
        let yaml = SuppressionYAML.render(rules)
        #expect(yaml.hasPrefix("suppressions:\n  # from .trivyignore:3\n  - id: \"CVE-2019-0001\"\n"))
        #expect(yaml.contains("  - id: \"CVE-2022-3996\"\n    reason: \"waiting for upstream openssl fix\"\n    owner: \"sec \\\"ops\\\"\"\n    expires: 2027-01-31\n"))
        let loaded = try NoiseFixtures.load(yaml, file: "routes/imported.yml").suppressions
        #expect(loaded.count == rules.count)
        for (a, b) in zip(loaded, rules) {
            #expect(a.ids == b.ids)
            #expect(a.reason == b.reason)
            #expect(a.owner == b.owner)
            #expect(a.expires == b.expires)
        }
    }

    @Test func rendersEveryConditionKind() throws {
        let rule = IgnoreRule(
            name: "all", vulnerabilities: ["CVE-1", "CVE-2"], ids: ["X"], packages: ["openssl"], images: ["r/*"],
            artifacts: ["sha256:a"], rules: ["Terminal shell in container"],
            matchers: try Matcher.parseList(#"{namespace="debug", path=~"C:\\tmp.*"}"#),
            reason: "line1\nline2\ttab", owner: "o", expires: Date(timeIntervalSince1970: 1_801_481_400))
        let yaml = SuppressionYAML.render([rule])
        let back = try #require(try NoiseFixtures.load(yaml).suppressions.first)
        #expect(back.name == rule.name)
        #expect(back.vulnerabilities == rule.vulnerabilities)
        #expect(back.ids == rule.ids)
        #expect(back.packages == rule.packages)
        #expect(back.images == rule.images)
        #expect(back.artifacts == rule.artifacts)
        #expect(back.rules == rule.rules)
        #expect(back.matchers == rule.matchers.sorted(by: Matcher.alertmanagerOrder))
        #expect(back.reason == rule.reason)
        #expect(back.expires == rule.expires)
        #expect(yaml.contains("expires: 2027-02-01T11:30:00Z\n"))
    }

    @Test func renderYAMLConvenienceMatchesRender() {
        let text = "CVE-1 exp:2030-05-01 # accepted\n"
        #expect(TrivyIgnore.renderYAML(text, owner: "o", file: "f") == """
        suppressions:
          # from f:1
          - id: "CVE-1"
            reason: "accepted"
            owner: "o"
            expires: 2030-05-01

        """)
    }

    /// Trivy's own .trivyignore.yaml test data plus an id-optional entry and a few mistakes.
    static let yaml = """
    vulnerabilities:
      - id: CVE-2019-0001
        paths:
          - "**/*-lock.json"
      - id: CVE-2019-0003
      - id: CVE-2019-0005
        expired_at: 2023-01-01
        statement: Accept the risk
      - id: CVE-2019-0007
        purls:
          - "pkg:golang/github.com/aquasecurity/bar"
      - purls:
          - "pkg:deb/ubuntu/linux-libc-dev"
        statement: Kernel headers, not exercised at runtime
      - id: CVE-2019-0008
        expires_at: 2020-01-01
      - id: CVE-2019-0009
        expired_at: soon

    misconfigurations:
      - id: ID100
      - id: AVD-DS-0002
        statement: The image needs root privileges
    secrets:
      - id: generic-unwanted-rule
    licenses:
      - id: GPL-3.0
      - id: MIT
    """

    @Test func importsTrivyIgnoreYAMLWithoutWideningAnything() throws {
        let r = try TrivyIgnore.load(Self.yaml, owner: "secops", file: "app/.trivyignore.yaml")
        #expect(r.rules.map { ($0.vulnerabilities + $0.rules).map(\.source) } == [
            ["CVE-2019-0003"], ["CVE-2019-0005"], ["CVE-2019-0008"], ["ID100"], ["AVD-DS-0002"], ["generic-unwanted-rule"],
        ])
        #expect(r.rules.map { $0.vulnerabilities.isEmpty ? "rule" : "vulnerability" } == ["vulnerability", "vulnerability", "vulnerability", "rule", "rule", "rule"])
        #expect(r.rules[0].reason == "imported from app/.trivyignore.yaml:5 (no statement given)")
        #expect(r.rules[1].reason == "Accept the risk")
        #expect(r.rules[1].expires == Date(timeIntervalSince1970: 1_672_531_200))  // 2023-01-01T00:00:00Z
        #expect(r.rules[2].expires == nil, "a misspelled expired_at does not expire, as in Trivy")
        #expect(r.rules[4].reason == "The image needs root privileges")
        #expect(r.rules.allSatisfy { $0.owner == "secops" })
        #expect(r.warnings.map(\.description) == [
            "app/.trivyignore.yaml:2: CVE-2019-0001: paths narrow this entry further than Klaxon can express; skipped (write a rule with package or artifact by hand)",
            "app/.trivyignore.yaml:9: CVE-2019-0007: purls narrow this entry further than Klaxon can express; skipped (write a rule with package or artifact by hand)",
            "app/.trivyignore.yaml:12: entry without an id (paths or purls only) cannot be expressed as a Klaxon rule; skipped",
            #"app/.trivyignore.yaml:16: unknown field "expires_at" ignored (Trivy ignores it too)"#,
            "app/.trivyignore.yaml:18: CVE-2019-0009: expired_at is not a date; entry skipped",
            "app/.trivyignore.yaml:26: licenses are not alerts in Klaxon; 2 entries skipped",
        ])
        let misconfig = Alert(labels: ["rule": "DS002", "avd_id": "AVD-DS-0002"], severity: .high, fingerprint: Fingerprint(value: 1))
        #expect(NoiseConfig(suppressions: r.rules).activeIgnoreRule(for: misconfig, at: F.t0)?.reason == "The image needs root privileges")
        #expect(NoiseConfig(suppressions: r.rules).activeIgnoreRule(for: F.vuln(cve: "CVE-2019-0001"), at: F.t0) == nil)
    }

    @Test func loadChoosesTheFormatByExtensionAsTrivyDoes() throws {
        #expect(try TrivyIgnore.load("CVE-1\n", owner: "o", file: ".trivyignore").rules.map { $0.ids.map(\.source) } == [["CVE-1"]])
        #expect(try TrivyIgnore.load("vulnerabilities:\n  - id: CVE-1\n", owner: "o", file: "x.yml").rules.map { $0.vulnerabilities.map(\.source) } == [["CVE-1"]])
        #expect(try TrivyIgnore.load("", owner: "o", file: "x.yaml").rules.isEmpty)
        #expect(throws: ConfigError.self) { try TrivyIgnore.load("vulnerabilities: [\n", owner: "o", file: "x.yaml") }
        #expect(throws: ConfigError.self) { try TrivyIgnore.load("- id: CVE-1\n", owner: "o", file: "x.yaml") }
    }
}
