import Foundation
import Testing
@testable import KlaxonCore

/// `klaxon gate`'s pure policy: the router's noise rules, then counts per level against limits.
@Suite struct GatePolicyTests {
    let t0 = NoiseFixtures.t0

    func vuln(_ cve: String, _ level: Severity.Level, package: String = "openssl", env: String? = nil) -> Alert {
        var a = NoiseFixtures.vuln(cve: cve, package: package)
        a.severity = Severity(level: level)
        a.labels["severity"] = level.name
        if let env { a.labels["environment"] = env }
        return a
    }

    func report(_ alerts: [Alert]) -> DecodedReport { DecodedReport(format: .trivy, alerts: alerts) }

    @Test func theApplicationGuidesPolicyFailsOnOneHighAndSixMediums() {
        let mediums = (1...6).map { vuln("CVE-2024-10\($0)", .medium, package: "p\($0)") }
        let result = GatePolicy().evaluate([report([vuln("CVE-2024-0001", .high)] + mediums)], at: t0)
        #expect(!result.passed)
        #expect(result.violations.map(\.level) == [.high, .medium])
        #expect(result.verdictText == "high 1 > 0, medium 6 > 5")
        #expect(result.findings(.violation).count == 7)
        #expect(result.findings.first?.id == "CVE-2024-0001")

        let five = GatePolicy().evaluate([report(Array(mediums.prefix(5)) + [vuln("CVE-2024-0002", .low)])], at: t0)
        #expect(five.passed && five.violations.isEmpty)
        #expect(five.levels.first { $0.level == .low }?.count == 1)
    }

    @Test func anActiveSuppressionRemovesTheFindingAndAnExpiredOneDoesNot() throws {
        let noise = try NoiseFixtures.load("""
            suppressions:
              - name: accepted-openssh
                vulnerability: CVE-2024-6387
                reason: not reachable, sshd disabled
                owner: secops
                expires: 2027-02-01
            """)
        let policy = GatePolicy(noise: noise)
        let before = policy.evaluate([report([vuln("CVE-2024-6387", .critical)])], at: t0)
        #expect(before.passed)
        let s = try #require(before.findings.first?.suppression)
        #expect(before.findings.first?.status == .suppressed)
        #expect(s.reason == .ignored && s.owner == "secops" && s.ruleName == "accepted-openssh")
        #expect(s.justification == "not reachable, sshd disabled")
        #expect(s.expires.map(NoiseFormat.date) == "2027-02-01")
        let critical = try #require(before.levels.first { $0.level == .critical })
        #expect(critical.count == 0 && critical.suppressed == 1)

        let after = policy.evaluate([report([vuln("CVE-2024-6387", .critical)])], at: t0.addingTimeInterval(30 * 86_400))
        #expect(!after.passed)
        #expect(after.findings.first?.status == .violation)
    }

    @Test func falsePositiveMarksAndEnvironmentThresholdsSuppressAsTheRouterDoes() throws {
        let marked = vuln("CVE-2024-0001", .high)
        let policy = GatePolicy(
            noise: NoiseConfig(environmentThresholds: ["prod": .high]), falsePositives: [marked.fingerprint: "vendor backport"])
        let result = policy.evaluate([report([marked, vuln("CVE-2024-0002", .medium, env: "prod")])], environment: "prod", at: t0)
        #expect(result.passed)
        let byID = Dictionary(uniqueKeysWithValues: result.findings.map { ($0.id, $0) })
        #expect(byID["CVE-2024-0001"]?.suppression?.reason == .falsePositive)
        #expect(byID["CVE-2024-0001"]?.suppression?.justification == "vendor backport")
        #expect(byID["CVE-2024-0002"]?.suppression?.reason == .threshold)
        #expect(byID["CVE-2024-0002"]?.suppression?.detail.contains("prod notifies from high") == true)
    }

    @Test func overridesApplyBeforeCountingAndDuplicatesCountOnce() {
        let overrides = SeverityOverrides([.vulnerability("CVE-2024-0001", severity: .low, reason: "not exploitable here")])
        let policy = GatePolicy(severityOverrides: overrides)
        let a = vuln("CVE-2024-0001", .critical)
        let result = policy.evaluate([report([a]), report([a])], at: t0)
        #expect(result.passed)
        #expect(result.findings.count == 1 && result.findings[0].occurrences == 2)
        #expect(result.findings[0].alert.severity.level == .low)

        let fatal = GatePolicy().evaluate([report([vuln("CVE-2024-0009", .fatal)])], at: t0)
        #expect(fatal.violations.map(\.level) == [.critical])
    }

    @Test func limitsComeFromDefaultsConfigEnvironmentAndFlagsInThatOrder() throws {
        let config = GateConfig(
            base: GateLimitOverride(maximum: [.medium: 10]),
            environments: ["prod": GateLimitOverride(maximum: [.medium: 0, .low: 50], failOnViolation: true)])
        var limits = GateLimits.applicationGuide.applying(config.override(for: "PROD"))
        #expect(limits.maximum == [.critical: 0, .high: 0, .medium: 0, .low: 50])
        limits = limits.applying(try GateLimitOverride.fromEnvironment([
            "MAX_HIGH_VULNERABILITIES": "2", "MAX_LOW_VULNERABILITIES": "unlimited", "FAIL_ON_VULNERABILITIES": "false",
            "MAX_MEDIUM_VULNERABILITIES": "",
        ]))
        #expect(limits.maximum == [.critical: 0, .high: 2, .medium: 0])
        #expect(!limits.failOnViolation)
        limits = limits.applying(try GateLimitOverride.parse(max: "high=1, medium=3"))
        #expect(limits.summary == "critical=0,high=1,medium=3,low=unlimited")
        #expect(GateLimits.applicationGuide.applying(config.override(for: "dev")).maximum[.medium] == 10)
    }

    @Test func badLimitsAreClearErrors() {
        #expect(throws: GateLimitError.self) { try GateLimitOverride.parse(max: "urgent=1") }
        #expect((try? GateLimitOverride.parse(max: "high=-3")) == nil)
        do {
            _ = try GateLimitOverride.fromEnvironment(["FAIL_ON_VULNERABILITIES": "maybe"])
            Issue.record("accepted")
        } catch {
            #expect(error.message == "FAIL_ON_VULNERABILITIES: expected true or false, got \"maybe\"")
        }
        do {
            _ = try GateLimitOverride.fromEnvironment(["MAX_HIGH_VULNERABILITIES": "lots"])
            Issue.record("accepted")
        } catch {
            #expect(error.message == "MAX_HIGH_VULNERABILITIES: expected a count ≥ 0 or unlimited, got \"lots\"")
        }
    }

    @Test func theGateSectionIsReadStrictly() throws {
        let base = "kafka:\n  brokers: k:9092\n  topics:\n    - name: scans\n"
        let c = try ServiceConfig.load(yaml: base + """
            gate:
              max: {critical: 0, high: 1, low: unlimited}
              fail_on_violation: true
              environments:
                Dev: {max: {medium: 20}, fail_on_violation: false}
            """, file: "k.yml")
        #expect(c.gate.base == GateLimitOverride(maximum: [.critical: 0, .high: 1, .low: Int?.none], failOnViolation: true))
        #expect(c.gate.environments["dev"] == GateLimitOverride(maximum: [.medium: 20], failOnViolation: false))
        #expect(try ServiceConfig.load(yaml: base, file: "k.yml").gate == GateConfig())

        func error(_ gate: String) -> String? {
            do { _ = try ServiceConfig.load(yaml: base + gate, file: "k.yml"); return nil } catch { return error.description }
        }
        #expect(error("gate:\n  maxx: {}\n") == #"k.yml:6:3: gate.maxx: unknown field "maxx""#)
        #expect(error("gate:\n  max: {urgent: 1}\n") == #"k.yml:6:17: gate.max.urgent: unknown level "urgent" (one of critical, high, medium, low)"#)
        #expect(error("gate:\n  environments:\n    prod: {max: {high: many}}\n")?
            .contains(#"expected a count ≥ 0 or unlimited, got "many""#) == true)
        #expect(error("gate:\n  environments:\n    prod: {fail: true}\n")?.contains(#"unknown field "fail""#) == true)
    }
}
