import Foundation
import Testing
@testable import KlaxonCore

@Suite struct NoiseFilterTests {
    typealias F = NoiseFixtures
    let now = NoiseFixtures.t0

    static let yaml = """
    suppressions:
      - {package: zlib, reason: unrelated, owner: nobody}
      - name: base-images
        vulnerability: CVE-2023-0001
        image: registry.example.com/shop/*
        reason: base-image CVE accepted
        owner: secops
        expires: 2027-01-31
    thresholds:
      - name: vuln-pairs
        matchers: ['category="vulnerability"']
        count: 3
        window: 1h
    """

    /// Everything that can hold back `alert`, each layer removable.
    struct World {
        var falsePositives: Set<Fingerprint>
        var config: NoiseConfig
        var silencer: Silencer
        var inhibitor: Inhibitor?
        var tracker: ThresholdTracker
    }

    func world(for alert: Alert) throws -> World {
        let config = try F.load(Self.yaml, file: "routes/vulns.yml")
        let silence = Silence(id: "s-42", matchers: try Matcher.parseList(#"cve="CVE-2023-0001""#), startsAt: now.addingTimeInterval(-60),
                              ending: .at(now.addingTimeInterval(3600)), createdBy: "alice", comment: "patch window")
        let inhibit = InhibitRule(sourceMatchers: try Matcher.parseList(#"alertname="ImageQuarantined""#),
                                  targetMatchers: try Matcher.parseList(#"category="vulnerability""#), equal: ["artifact"])
        let source = ["alertname": "ImageQuarantined", "artifact": "sha256:aaa"]
        return World(falsePositives: [alert.fingerprint], config: config, silencer: Silencer(silences: [silence]),
                     inhibitor: Inhibitor(rules: [inhibit], firingAlerts: [source]), tracker: ThresholdTracker(rules: config.thresholds))
    }

    func decide(_ alert: Alert, _ w: inout World, _ transition: AlertTransition, instanceNotified: Bool? = nil) -> NoiseDecision {
        NoiseFilter(config: w.config).decide(alert, transition: transition, instanceNotified: instanceNotified,
                                             falsePositives: w.falsePositives, silencer: w.silencer, inhibitor: w.inhibitor,
                                             thresholds: &w.tracker, at: now)
    }

    @Test func precedenceIsFalsePositiveIgnoredSilencedInhibitedDuplicateThreshold() throws {
        let alert = F.vuln(cve: "CVE-2023-0001")
        var w = try world(for: alert)
        var seen: [SuppressionReason?] = []
        seen.append(decide(alert, &w, .duplicate).reason)
        w.falsePositives = []
        seen.append(decide(alert, &w, .duplicate).reason)
        w.config.suppressions = []
        seen.append(decide(alert, &w, .duplicate).reason)
        w.silencer = Silencer(silences: [])
        seen.append(decide(alert, &w, .duplicate).reason)
        w.inhibitor = nil
        #expect(w.tracker.keyCount == 0, "muted reports are not counted by thresholds")
        seen.append(decide(alert, &w, .duplicate).reason)  // counted: 1 of 3, but it asked for nothing
        seen.append(decide(alert, &w, .opened).reason)
        #expect(seen == [.falsePositive, .ignored, .silenced, .inhibited, .duplicate, .threshold])
        #expect(seen.compactMap { $0 } == SuppressionReason.precedence)
        // The held alert's next report crosses the threshold and notifies, although a duplicate.
        let released = decide(alert, &w, .duplicate)
        #expect(released.notifies)
        if case let .notify(transition, threshold) = released {
            #expect(transition == .duplicate)
            #expect(threshold?.decision == .notify(count: 3))
            #expect(threshold?.rule.name == "vuln-pairs")
        }
        #expect(decide(alert, &w, .duplicate).reason == .duplicate)
    }

    @Test func reasonsHaveTheirPrometheusLabelValues() {
        #expect(SuppressionReason.allCases.map(\.rawValue) == ["false_positive", "ignored", "silenced", "inhibited", "duplicate", "threshold"])
        #expect(SuppressionReason(rawValue: "false_positive") == .falsePositive)
    }

    @Test func detailsNameTheCulpritExactly() throws {
        let alert = F.vuln(cve: "CVE-2023-0001")
        var w = try world(for: alert)
        #expect(decide(alert, &w, .opened).description
                == "suppressed (false_positive): fingerprint \(alert.fingerprint) is marked as a false positive")
        w.falsePositives = []
        #expect(decide(alert, &w, .opened).detail?.description
                == "ignored by suppressions[1] 'base-image CVE accepted' (name base-images, owner secops, expires 2027-01-31; routes/vulns.yml:3)")
        w.config.suppressions = []
        #expect(decide(alert, &w, .opened).detail?.description
                == "silenced by silence s-42 (created by alice: 'patch window', ends 2027-01-15T09:00:00Z)")
        w.silencer = Silencer(silences: [])
        #expect(decide(alert, &w, .opened).detail?.description
                == #"inhibited by inhibit_rules[0] while {alertname="ImageQuarantined", artifact="sha256:aaa"} fires (equal: artifact)"#)
        w.inhibitor = nil
        #expect(decide(alert, &w, .opened).detail?.description == "held by thresholds[0] 'vuln-pairs': 1 of 3 occurrences within 1h")
    }

    @Test func ignoreRuleWithoutNameOrExpiry() {
        let rule = IgnoreRule(ids: ["CVE-1"], reason: "accepted", owner: "secops",
                              origin: ConfigOrigin(file: ".trivyignore", line: 4, column: 1, keyPath: ""))
        #expect(SuppressionDetail.ignored(index: 0, rule: rule).description
                == "ignored by .trivyignore:4 'accepted' (owner secops, never expires)")
    }

    @Test func severalSilencesAreAllReported() throws {
        let alert = F.falco()
        let m = try Matcher.parseList(#"source="falco""#)
        let silences = ["a", "b", "c"].map {
            Silence(id: $0, matchers: m, startsAt: now, ending: .onResolve, createdBy: "bob", comment: "noisy")
        }
        var tracker = ThresholdTracker(rules: [])
        let d = NoiseFilter(config: NoiseConfig()).decide(alert, transition: .opened, falsePositives: [], silencer: Silencer(silences: silences),
                                                          inhibitor: nil, thresholds: &tracker, at: now)
        #expect(d.description == "suppressed (silenced): silenced by silence a (created by bob: 'noisy', ends when the alert resolves) and 2 more (b, c)")
        if case let .silenced(all)? = d.detail { #expect(all.map(\.id) == ["a", "b", "c"]) } else { Issue.record("not silenced") }
    }

    @Test func withoutRulesOnlyDedupDecides() {
        let alert = F.falco()
        var tracker = ThresholdTracker(rules: [])
        let filter = NoiseFilter(config: NoiseConfig())
        func d(_ t: AlertTransition, _ notified: Bool? = nil) -> NoiseDecision {
            filter.decide(alert, transition: t, instanceNotified: notified, falsePositives: [], silencer: Silencer(silences: []),
                          inhibitor: nil, thresholds: &tracker, at: now)
        }
        #expect(d(.opened) == .notify(transition: .opened, threshold: nil))
        #expect(d(.reopened) == .notify(transition: .reopened, threshold: nil))
        #expect(d(.duplicate) == .suppressed(.duplicate, .duplicate))
        #expect(d(.duplicate, true) == .suppressed(.duplicate, .duplicate))
        #expect(d(.duplicate, false) == .notify(transition: .duplicate, threshold: nil),
                "a duplicate whose instance never notified (it was silenced) notifies once unmuted")
    }

    @Test func expiredIgnoreRuleNoLongerSuppresses() throws {
        let alert = F.vuln(cve: "CVE-2023-0001")
        var w = try world(for: alert)
        w.falsePositives = []
        w.silencer = Silencer(silences: [])
        w.inhibitor = nil
        w.config.thresholds = []
        w.tracker = ThresholdTracker(rules: [])
        let filter = NoiseFilter(config: w.config)
        let lastDay = Date(timeIntervalSince1970: 1_801_353_600)
        func at(_ t: Date) -> NoiseDecision {
            filter.decide(alert, transition: .opened, falsePositives: [], silencer: w.silencer, inhibitor: nil, thresholds: &w.tracker, at: t)
        }
        #expect(at(lastDay).reason == .ignored)
        #expect(at(lastDay.addingTimeInterval(1)).notifies)
    }

    @Test func flappingAlertNotifiesOncePerMinInterval() throws {
        // Resolve/reopen every 2 minutes for an hour; the rule allows one notification per 30 minutes.
        let config = try F.load("""
        thresholds:
          - {name: flappy, matchers: ['source="falco"'], window: 5m, min_interval: 30m}
        """)
        var tracker = ThresholdTracker(rules: config.thresholds)
        let filter = NoiseFilter(config: config)
        let alert = F.falco()
        var notifiedAt: [Double] = []
        var state: AlertState?
        for minute in stride(from: 0, to: 60, by: 1) {
            let t = now.addingTimeInterval(Double(minute) * 60)
            if minute % 2 == 0 && minute > 0, var s = state { s.status = .resolved; state = s }
            let (next, transition) = AlertLifecycle.report(alert, existing: state, now: t)
            state = next
            let d = filter.decide(alert, transition: transition, falsePositives: [], silencer: Silencer(silences: []),
                                  inhibitor: nil, thresholds: &tracker, at: t)
            if d.notifies { notifiedAt.append(Double(minute)) }
        }
        #expect(notifiedAt == [0, 30])
    }

    @Test func groupByKeyNotifiesOncePerBurstAcrossFingerprints() throws {
        let config = try F.load("""
        thresholds:
          - {name: per-host, matchers: ['source="falco"'], count: 3, window: 1m, group_by: [rule, host]}
        """)
        var tracker = ThresholdTracker(rules: config.thresholds)
        let filter = NoiseFilter(config: config)
        var states: [Fingerprint: AlertState] = [:]
        var notified: Set<Fingerprint> = []
        /// `informed`: the caller tells the filter whether this instance already notified.
        func report(_ container: String, host: String = "node-1", at seconds: Double, informed: Bool = true) -> NoiseDecision {
            let alert = F.falco(host: host, container: container)
            let t = now.addingTimeInterval(seconds)
            let (state, transition) = AlertLifecycle.report(alert, existing: states[alert.fingerprint], now: t)
            states[alert.fingerprint] = state
            let d = filter.decide(alert, transition: transition, instanceNotified: informed ? notified.contains(alert.fingerprint) : nil,
                                  falsePositives: [], silencer: Silencer(silences: []), inhibitor: nil, thresholds: &tracker, at: t)
            if d.notifies { notified.insert(alert.fingerprint) }
            return d
        }
        #expect(report("a", at: 0).reason == .threshold)
        #expect(report("b", at: 1).reason == .threshold)
        #expect(report("x", host: "node-2", at: 2).reason == .threshold, "another host is another key")
        let crossing = report("c", at: 3)
        #expect(crossing == .notify(transition: .opened, threshold: crossing.thresholdOutcome))
        #expect(crossing.thresholdOutcome?.decision == .notify(count: 3))
        #expect(report("a", at: 4).reason == .threshold, "a held alert of a notified burst stays held")
        #expect(report("d", at: 5).detail?.description == "held by thresholds[0] 'per-host': this burst already notified at 2027-01-15T08:00:03Z (5 occurrences within 1m)")
        // Quiet for a minute: the next burst notifies again.
        #expect(report("a", at: 70).reason == .threshold)
        #expect(report("a", at: 71).reason == .threshold)
        #expect(report("a", at: 72).notifies)
        #expect(report("a", at: 73).reason == .duplicate)
        // b was held and never notified: told so, the filter says why; left to infer, a duplicate is a duplicate.
        #expect(report("b", at: 74, informed: false).reason == .duplicate)
        #expect(report("b", at: 75).reason == .threshold)
    }
}

extension NoiseDecision {
    var thresholdOutcome: ThresholdOutcome? {
        if case let .notify(_, t) = self { return t }
        if case let .suppressed(_, .threshold(t)) = self { return t }
        return nil
    }
}
