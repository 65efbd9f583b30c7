import Foundation
import Testing
@testable import KlaxonCore

@Suite struct InhibitionTests {
    func rule(_ yaml: String) throws -> [InhibitRule] {
        try RoutingConfig.load(yaml: "route: {receiver: r}\nreceivers: [{name: r}]\n" + yaml, file: "i.yml").inhibitRules
    }

    @Test func criticalMutesWarningWithSameAlertname() throws {
        let rules = try rule("""
        inhibit_rules:
          - source_matchers: [severity="critical"]
            target_matchers: [severity="warning"]
            equal: [alertname, cluster]
        """)
        let firing = [["alertname": "DiskFull", "severity": "critical", "cluster": "eu"]]
        let inhibitor = Inhibitor(rules: rules, firingAlerts: firing)
        let now = Date(timeIntervalSince1970: 0)
        #expect(inhibitor.mutes(["alertname": "DiskFull", "severity": "warning", "cluster": "eu"], at: now))
        #expect(!inhibitor.mutes(["alertname": "DiskFull", "severity": "warning", "cluster": "us"], at: now))
        #expect(!inhibitor.mutes(["alertname": "CPU", "severity": "warning", "cluster": "eu"], at: now))
        #expect(!inhibitor.mutes(["alertname": "DiskFull", "severity": "critical", "cluster": "eu"], at: now))
        #expect(inhibitor.inhibition(of: ["alertname": "DiskFull", "severity": "warning", "cluster": "eu"])
                == .init(ruleIndex: 0, sourceLabels: firing[0]))
    }

    @Test func missingEqualLabelsCountAsEqual() throws {
        let rules = try rule("inhibit_rules:\n  - source_match: {a: s}\n    target_match: {a: t}\n    equal: [zone]")
        let inhibitor = Inhibitor(rules: rules, firingAlerts: [["a": "s"]])
        #expect(inhibitor.mutes(["a": "t"], at: .distantPast))
        #expect(inhibitor.mutes(["a": "t", "zone": ""], at: .distantPast))
        #expect(!inhibitor.mutes(["a": "t", "zone": "1"], at: .distantPast))
    }

    @Test func alertsMatchingBothSidesDoNotMuteEachOtherOrThemselves() throws {
        let rules = try rule("inhibit_rules:\n  - source_match_re: {severity: 'critical|warning'}\n    target_match_re: {severity: 'critical|warning'}\n    equal: [alertname]")
        let a = ["alertname": "X", "severity": "critical"]
        let b = ["alertname": "X", "severity": "warning"]
        let inhibitor = Inhibitor(rules: rules, firingAlerts: [a, b])
        #expect(!inhibitor.mutes(a, at: .distantPast))
        #expect(!inhibitor.mutes(b, at: .distantPast))
    }

    @Test func noFiringSourceNoInhibition() throws {
        let rules = try rule("inhibit_rules:\n  - source_matchers: [severity=critical]\n    target_matchers: [severity=warning]")
        #expect(!Inhibitor(rules: rules, firingAlerts: []).mutes(["severity": "warning"], at: .distantPast))
        #expect(Inhibitor(rules: rules, firingAlerts: [["severity": "critical"]]).mutes(["severity": "warning"], at: .distantPast))
    }
}
