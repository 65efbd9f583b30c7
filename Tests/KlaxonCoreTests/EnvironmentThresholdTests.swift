import Foundation
import Testing
@testable import KlaxonCore

@Suite struct EnvironmentThresholdTests {
    func alert(_ severity: Severity, env: String?) -> Alert {
        var labels = ["alertname": "X", "source": "falco"]
        labels["environment"] = env
        return Alert(labels: labels, severity: severity, fingerprint: Fingerprint(labels: labels))
    }

    func decide(_ config: NoiseConfig, _ a: Alert) -> NoiseDecision {
        var thresholds = ThresholdTracker(rules: [])
        return NoiseFilter(config: config).decide(
            a, transition: .opened, falsePositives: [], silencer: Silencer(silences: []), inhibitor: nil,
            thresholds: &thresholds, at: Date(timeIntervalSince1970: 0))
    }

    @Test func defaultsFollowTheOpsGuide() {
        let c = NoiseConfig()
        #expect(decide(c, alert(.low, env: "dev")).reason == .threshold)
        #expect(decide(c, alert(.medium, env: "dev")).notifies)
        #expect(decide(c, alert(.medium, env: "Prod")).reason == .threshold)
        #expect(decide(c, alert(.high, env: "prod")).notifies)
        #expect(decide(c, alert(.low, env: nil)).notifies, "no environment, no threshold")
        #expect(decide(c, alert(.info, env: "sandbox")).notifies, "unlisted environments are not held back")
        #expect(decide(c, alert(.medium, env: "staging")).detail?.description
            == "below the staging threshold: staging notifies from high (environment_thresholds)")
    }

    @Test func routeFilesReplaceOrDisableTheDefaults() throws {
        let custom = try NoiseConfig.load([ConfigSource(file: "r.yml", yaml: "environment_thresholds: {prod: critical}\n")])
        #expect(custom.environmentThresholds == ["prod": .critical])
        #expect(decide(custom, alert(.high, env: "prod")).reason == .threshold)
        #expect(decide(custom, alert(.low, env: "dev")).notifies)
        let off = try NoiseConfig.load([ConfigSource(file: "r.yml", yaml: "environment_thresholds: {}\n")])
        #expect(decide(off, alert(.info, env: "prod")).notifies)
        #expect(throws: ConfigError.self) {
            _ = try NoiseConfig.load([ConfigSource(file: "r.yml", yaml: "environment_thresholds: {prod: loud}\n")])
        }
    }
}
