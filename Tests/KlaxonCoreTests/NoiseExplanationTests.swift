import Foundation
import Testing
@testable import KlaxonCore

@Suite struct NoiseExplanationTests {
    typealias F = NoiseFixtures

    @Test func explainsAnIgnoredAlertWithRouteAndReceivers() throws {
        let config = try F.load("""
        suppressions:
          - {id: CVE-0, reason: other, owner: x}
          - {vulnerability: CVE-2023-0001, reason: base-image CVE accepted, owner: secops, expires: 2027-01-31}
        """, file: "routes/vulns.yml")
        let alert = F.vuln(cve: "CVE-2023-0001")
        var tracker = ThresholdTracker(rules: [])
        let decision = NoiseFilter(config: config).decide(alert, transition: .opened, falsePositives: [], silencer: Silencer(silences: []),
                                                          inhibitor: nil, thresholds: &tracker, at: F.t0)
        let e = Explanation(alert: alert, decision: decision, at: F.t0, routes: [#"{}/{severity=~"high"}"#], receivers: ["oncall", "log"])
        #expect(!e.notified)
        #expect(e.reason == .ignored)
        #expect(e.ignoreRule?.reason == "base-image CVE accepted")
        #expect(e.silenceIDs.isEmpty)
        #expect(e.inhibitingLabels == nil)
        #expect(e.thresholdCounts == nil)
        #expect(e.description == """
        alert \(alert.fingerprint) CVE-2023-0001 at 2027-01-15T08:00:00Z
        labels: {alertname="CVE-2023-0001", artifact="sha256:aaa", category="vulnerability", cve="CVE-2023-0001", image="registry.example.com/shop/web:1.4", package="openssl", severity="high", source="trivy"}
        decision: suppressed (ignored): ignored by suppressions[1] 'base-image CVE accepted' (owner secops, expires 2027-01-31; routes/vulns.yml:3)
        routes: {}/{severity=~"high"}
        receivers (not notified): oncall, log
        """)
    }

    @Test func explainsThresholdCountsAndReleases() throws {
        let rule = ThresholdRule(name: "bursts", matchers: try Matcher.parseList(#"source="falco""#), count: 2, window: .seconds(60),
                                 origin: ConfigOrigin(file: "r.yml", line: 2, column: 5, keyPath: "thresholds[0]"))
        var tracker = ThresholdTracker(rules: [rule])
        let filter = NoiseFilter(config: NoiseConfig(thresholds: [rule]))
        let alert = F.falco()
        func decide(_ t: AlertTransition, _ at: Date) -> NoiseDecision {
            filter.decide(alert, transition: t, falsePositives: [], silencer: Silencer(silences: []), inhibitor: nil, thresholds: &tracker, at: at)
        }
        let held = Explanation(alert: alert, decision: decide(.opened, F.t0), at: F.t0)
        #expect(held.thresholdCounts! == (1, 2))
        #expect(held.summary == "suppressed (threshold): held by thresholds[0] 'bursts': 1 of 2 occurrences within 1m")
        let t1 = F.t0.addingTimeInterval(1.5)
        let sent = Explanation(alert: alert, decision: decide(.duplicate, t1), at: t1, receivers: ["pager"])
        #expect(sent.notified)
        #expect(sent.thresholdCounts! == (2, 2))
        #expect(sent.summary == "notified (duplicate): thresholds[0] 'bursts' reached 2 occurrences within 1m")
        #expect(sent.description.hasSuffix("at 2027-01-15T08:00:01.500Z\nlabels: {alertname=\"Terminal shell in container\", category=\"runtime\", container=\"c1\", host=\"node-1\", rule=\"Terminal shell in container\", severity=\"medium\", source=\"falco\"}\ndecision: notified (duplicate): thresholds[0] 'bursts' reached 2 occurrences within 1m\nthreshold: 2 of 2 occurrences\nreceivers: pager"))
    }

    @Test func explainsSilenceAndInhibition() throws {
        let alert = F.falco()
        let silence = Silence(id: "s-1", matchers: try Matcher.parseList("host=node-1"), startsAt: F.t0, ending: .onResolve,
                              createdBy: "a", comment: "c")
        let silenced = Explanation(alert: alert, decision: .suppressed(.silenced, .silenced([silence])), at: F.t0)
        #expect(silenced.silenceIDs == ["s-1"])
        let rule = InhibitRule(sourceMatchers: [], targetMatchers: [])
        let inhibited = Explanation(alert: alert, decision: .suppressed(.inhibited, .inhibited(ruleIndex: 0, rule: rule, sourceLabels: ["alertname": "NodeDown"])), at: F.t0)
        #expect(inhibited.inhibitingLabels == ["alertname": "NodeDown"])
        #expect(inhibited.description.hasSuffix("receivers (not notified): (none)"))
    }

    @Test(arguments: [
        (1_801_353_600.0, "2027-01-31"), (1_801_353_600.25, "2027-01-31T00:00:00.250Z"), (0.0, "1970-01-01"),
        (951_825_600.0, "2000-02-29T12:00:00Z"), (-1.0, "1969-12-31T23:59:59Z"),
    ])
    func datesRenderAsDayOrRFC3339(seconds: Double, text: String) {
        #expect(NoiseFormat.date(Date(timeIntervalSince1970: seconds)) == text)
    }

    static func json(_ e: Explanation) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(e), as: UTF8.self)
    }

    @Test func encodesIgnoredAsJSON() throws {
        let config = try F.load("""
        suppressions:
          - {name: base, vulnerability: CVE-2023-0001, reason: accepted, owner: secops, expires: 2027-01-31}
        """, file: "routes/vulns.yml")
        let alert = Alert(labels: ["cve": "CVE-2023-0001"], severity: .high, fingerprint: Fingerprint(value: 0xabc))
        let e = Explanation(alert: alert, decision: .suppressed(.ignored, .ignored(index: 0, rule: config.suppressions[0])),
                            at: F.t0, routes: ["{}"], receivers: ["oncall"])
        #expect(try Self.json(e) == """
        {"at":"2027-01-15T08:00:00Z","detail":"ignored by suppressions[0] 'accepted' (name base, owner secops, expires 2027-01-31; routes/vulns.yml:2)",\
        "fingerprint":"0000000000000abc","ignoreRule":{"expires":"2027-01-31","file":"routes/vulns.yml","index":0,"keyPath":"suppressions[0]",\
        "line":2,"name":"base","owner":"secops","reason":"accepted"},"labels":{"cve":"CVE-2023-0001"},"notified":false,\
        "reason":"ignored","receivers":["oncall"],"routes":["{}"]}
        """)
    }

    @Test func encodesNotificationsSilencesInhibitionsAndThresholds() throws {
        let alert = F.falco()
        let rule = ThresholdRule(name: "bursts", matchers: [], count: 5, window: .seconds(60), minInterval: .seconds(600),
                                 origin: ConfigOrigin(file: "r.yml", line: 2, column: 5, keyPath: "thresholds[0]"))
        let released = ThresholdOutcome(ruleIndex: 0, rule: rule, decision: .notify(count: 5))
        let n = try Self.json(Explanation(alert: alert, decision: .notify(transition: .duplicate, threshold: released), at: F.t0))
        #expect(n.contains(#""notified":true"#) && n.contains(#""transition":"duplicate""#) && !n.contains(#""reason""#))
        #expect(n.contains(#""threshold":{"count":5,"decision":"notify","name":"bursts","needed":5,"rule":"thresholds[0]","window":"1m"}"#))

        let damped = ThresholdOutcome(ruleIndex: 0, rule: rule, decision: .damped(count: 6, until: F.t0.addingTimeInterval(600)))
        let d = try Self.json(Explanation(alert: alert, decision: .suppressed(.threshold, .threshold(damped)), at: F.t0))
        #expect(d.contains(#""decision":"damped""#) && d.contains(#""until":"2027-01-15T08:10:00Z""#) && d.contains(#""reason":"threshold""#))

        let silence = Silence(id: "s-1", matchers: [], startsAt: F.t0, ending: .onResolve, createdBy: "a", comment: "c")
        let s = try Self.json(Explanation(alert: alert, decision: .suppressed(.silenced, .silenced([silence])), at: F.t0))
        #expect(s.contains(#""silences":["s-1"]"#) && s.contains(#""reason":"silenced""#))

        let inh = SuppressionDetail.inhibited(ruleIndex: 2, rule: InhibitRule(sourceMatchers: [], targetMatchers: []), sourceLabels: ["alertname": "NodeDown"])
        let i = try Self.json(Explanation(alert: alert, decision: .suppressed(.inhibited, inh), at: F.t0))
        #expect(i.contains(#""inhibition":{"rule":2,"sourceLabels":{"alertname":"NodeDown"}}"#))
    }
}
