import Foundation
import Testing
@testable import KlaxonCore

@Suite struct ThresholdTrackerTests {
    typealias F = NoiseFixtures
    let t0 = NoiseFixtures.t0

    func rule(_ matchers: String = #"source="falco""#, count: Int, window: Int, groupBy: [String]? = nil,
              minInterval: Int = 0, name: String? = nil) throws -> ThresholdRule {
        ThresholdRule(name: name, matchers: try Matcher.parseList(matchers), count: count, window: .seconds(window),
                      groupBy: groupBy, minInterval: .seconds(minInterval))
    }

    func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    @Test func thousandEventsInAMinuteNotifyExactlyOnceWithTheCount() throws {
        var tracker = ThresholdTracker(rules: [try rule(count: 1000, window: 60)])
        let alert = F.falco()
        var decisions: [ThresholdDecision] = []
        for i in 0..<1000 { decisions.append(tracker.record(alert, at: at(Double(i) * 0.06))) }
        #expect(decisions.filter(\.notifies) == [.notify(count: 1000)])
        #expect(decisions.last == .notify(count: 1000))
        #expect(decisions[0] == .held(count: 1, needed: 1000))
        #expect(decisions[998] == .held(count: 999, needed: 1000))
        // The burst goes on for another minute: no second notification.
        var more: [ThresholdDecision] = []
        for i in 1000..<2000 { more.append(tracker.record(alert, at: at(Double(i) * 0.06))) }
        #expect(more.filter(\.notifies).isEmpty)
        #expect(more.allSatisfy { if case .alreadyNotified(_, let when) = $0 { return when == at(59.94) } else { return false } })
        // Quiet for a whole window ends the burst; the next one needs 1000 again.
        #expect(tracker.record(alert, at: at(120 + 60)) == .held(count: 1, needed: 1000))
    }

    @Test func windowSlidesAndIsHalfOpen() throws {
        var tracker = ThresholdTracker(rules: [try rule(count: 3, window: 60)])
        let a = F.falco()
        #expect(tracker.record(a, at: at(0)) == .held(count: 1, needed: 3))
        #expect(tracker.record(a, at: at(30)) == .held(count: 2, needed: 3))
        #expect(tracker.record(a, at: at(60)) == .held(count: 2, needed: 3), "the occurrence at 0 is exactly a window old: out")
        #expect(tracker.record(a, at: at(89)) == .notify(count: 3), "window (29, 89] holds 30, 60 and 89")
        var t2 = ThresholdTracker(rules: [try rule(count: 3, window: 60)])
        #expect(t2.record(a, at: at(0)) == .held(count: 1, needed: 3))
        #expect(t2.record(a, at: at(30)) == .held(count: 2, needed: 3))
        #expect(t2.record(a, at: at(59.999)) == .notify(count: 3))
    }

    @Test func slidingCountDropsOldOccurrences() throws {
        var tracker = ThresholdTracker(rules: [try rule(count: 3, window: 60)])
        let a = F.falco()
        let times: [Double] = [0, 30, 61, 80, 91, 95]
        let got = times.map { tracker.record(a, at: at($0)) }
        #expect(got == [
            .held(count: 1, needed: 3), .held(count: 2, needed: 3), .held(count: 2, needed: 3),
            .notify(count: 3), .alreadyNotified(count: 3, at: at(80)), .alreadyNotified(count: 4, at: at(80)),
        ])
    }

    @Test func keysAreFingerprintsByDefaultAndGroupByLabelsWhenSet() throws {
        var perFingerprint = ThresholdTracker(rules: [try rule(count: 2, window: 60)])
        #expect(perFingerprint.record(F.falco(container: "c1"), at: at(0)) == .held(count: 1, needed: 2))
        #expect(perFingerprint.record(F.falco(container: "c2"), at: at(1)) == .held(count: 1, needed: 2))
        #expect(perFingerprint.record(F.falco(container: "c1"), at: at(2)) == .notify(count: 2))
        #expect(perFingerprint.keyCount == 2)

        var perHost = ThresholdTracker(rules: [try rule(count: 3, window: 60, groupBy: ["rule", "host"])])
        #expect(perHost.record(F.falco(host: "a", container: "c1"), at: at(0)) == .held(count: 1, needed: 3))
        #expect(perHost.record(F.falco(host: "b", container: "c1"), at: at(1)) == .held(count: 1, needed: 3))
        #expect(perHost.record(F.falco(host: "a", container: "c2"), at: at(2)) == .held(count: 2, needed: 3))
        #expect(perHost.record(F.falco(rule: "Other", host: "a", container: "c3"), at: at(3)) == .held(count: 1, needed: 3))
        #expect(perHost.record(F.falco(host: "a", container: "c3"), at: at(4)) == .notify(count: 3))
        #expect(perHost.keyCount == 3)
    }

    /// Several instances (issue #14): a key counted by `group_by` spans fingerprints, so its
    /// occurrences fall on partitions several instances own. Each keeps its share per partition;
    /// the shares another instance restores from the changelog count with its own.
    @Test func sharesOfAKeyOnOtherPartitionsAndInstancesCountTogether() throws {
        let partitioner = StatePartitioner(partitions: 12)
        let rules = [try rule(count: 3, window: 60, groupBy: ["host"])]
        // Containers of one host whose alerts fall on three different partitions.
        var seen: [Int32: Alert] = [:]
        var c = 0
        while seen.count < 3 {
            let a = F.falco(host: "h", container: "c\(c)")
            seen[partitioner.partition(of: a.fingerprint)] = seen[partitioner.partition(of: a.fingerprint)] ?? a
            c += 1
        }
        let (a1, a2, a3) = (Array(seen.values)[0], Array(seen.values)[1], Array(seen.values)[2])

        var one = ThresholdTracker(rules: rules)
        one.partitioner = partitioner
        one.tracksChanges = true
        #expect(one.record(a1, at: at(0)) == .held(count: 1, needed: 3))
        #expect(one.record(a2, at: at(1)) == .held(count: 2, needed: 3), "two shares of this instance count together")
        let oneShares = one.takeChanges()
        #expect(Set(oneShares.map(\.share)) == [partitioner.partition(of: a1.fingerprint), partitioner.partition(of: a2.fingerprint)])

        var two = ThresholdTracker(rules: rules)
        two.partitioner = partitioner
        two.tracksChanges = true
        #expect(two.record(a3, at: at(2)) == .held(count: 1, needed: 3), "alone, the other instance's occurrences are not seen")
        var twoWithShares = ThresholdTracker(rules: rules)
        twoWithShares.partitioner = partitioner
        twoWithShares.tracksChanges = true
        #expect(twoWithShares.restore(oneShares) == 2)
        #expect(twoWithShares.record(a3, at: at(2)) == .notify(count: 3))
        let twoShares = twoWithShares.takeChanges()
        #expect(twoShares.map(\.share) == [partitioner.partition(of: a3.fingerprint)], "only its own share is its to write")

        // Back on the first instance: the burst the other share notified holds its own.
        #expect(one.restore(twoShares) == 1)
        #expect(one.record(a1, at: at(3)) == .alreadyNotified(count: 4, at: at(2)))
        // Past the window, the other share's occurrences no longer count.
        #expect(one.record(a2, at: at(64)) == .held(count: 1, needed: 3))
    }

    @Test func firstMatchingRuleWinsAndUnmatchedAlertsAreUntracked() throws {
        var tracker = ThresholdTracker(rules: [
            try rule(#"rule="Terminal shell in container""#, count: 2, window: 60),
            try rule(count: 1, window: 60),
        ])
        #expect(tracker.record(F.falco(), at: at(0)) == .held(count: 1, needed: 2))
        #expect(tracker.record(F.falco(rule: "Write below etc"), at: at(0)) == .notify(count: 1))
        #expect(tracker.record(F.vuln(cve: "CVE-1"), at: at(0)) == .untracked)
        #expect(tracker.evaluate(F.vuln(cve: "CVE-1"), at: at(0), wantsNotification: true) == nil)
        #expect(tracker.evaluate(F.falco(), at: at(1), wantsNotification: true)?.ruleIndex == 0)
    }

    @Test func flapDampingSpacesNotificationsByMinInterval() throws {
        // count 1: notify on the first occurrence; bursts end after 5m quiet; at most one notification per 30m.
        var tracker = ThresholdTracker(rules: [try rule(count: 1, window: 300, minInterval: 1800)])
        let a = F.falco()
        #expect(tracker.evaluate(a, at: at(0), wantsNotification: true)?.decision == .notify(count: 1))
        #expect(tracker.evaluate(a, at: at(60), wantsNotification: false)?.decision == .counted(count: 2))
        // Resolves and reopens within the burst: no renotification.
        #expect(tracker.evaluate(a, at: at(120), wantsNotification: true)?.decision == .alreadyNotified(count: 3, at: at(0)))
        // Quiet for 10m: a new burst, but within 30m of the last notification.
        #expect(tracker.evaluate(a, at: at(720), wantsNotification: true)?.decision == .damped(count: 1, until: at(1800)))
        // A duplicate of the held reopening is still waiting: it stays damped, then notifies.
        #expect(tracker.evaluate(a, at: at(900), wantsNotification: false)?.decision == .damped(count: 2, until: at(1800)))
        #expect(tracker.evaluate(a, at: at(1799.999), wantsNotification: false)?.decision == .damped(count: 1, until: at(1800)))
        #expect(tracker.evaluate(a, at: at(1800), wantsNotification: false)?.decision == .notify(count: 2))
        #expect(tracker.evaluate(a, at: at(1810), wantsNotification: false)?.decision == .counted(count: 3))
    }

    @Test func heldDuplicatesStillCountTowardsTheThreshold() throws {
        var tracker = ThresholdTracker(rules: [try rule(count: 3, window: 60)])
        let a = F.falco()
        #expect(tracker.evaluate(a, at: at(0), wantsNotification: true)?.decision == .held(count: 1, needed: 3))
        #expect(tracker.evaluate(a, at: at(1), wantsNotification: false)?.decision == .held(count: 2, needed: 3))
        #expect(tracker.evaluate(a, at: at(2), wantsNotification: false)?.decision == .notify(count: 3))
        #expect(tracker.evaluate(a, at: at(3), wantsNotification: false)?.decision == .counted(count: 4))
        let b = F.falco(container: "other")
        #expect(tracker.evaluate(b, at: at(3), wantsNotification: false)?.decision == .counted(count: 1),
                "a duplicate nobody held does not start waiting")
    }

    @Test func memoryStaysBoundedPerKeyAndAcrossKeys() throws {
        var tracker = ThresholdTracker(rules: [try rule(count: 1_000_000, window: 60)])
        let a = F.falco()
        for i in 0..<20_000 { _ = tracker.record(a, at: at(Double(i) * 0.01)) }  // 100/s for 200 s
        #expect(tracker.keyCount == 1)
        #expect(tracker.slotCount <= Int(ThresholdTracker.slotsPerWindow) + 1)
        #expect(tracker.slotCount >= 60, "one slot per ~0.94 s of the last minute")
        if case let .held(count, _) = tracker.record(a, at: at(200)) {
            #expect(count >= 6000 - 100 && count <= 6001, "≈ 100/s over the last minute, within one slot")
        } else {
            Issue.record("expected held")
        }

        var many = ThresholdTracker(rules: [try rule(count: 1, window: 60)], maxKeys: 1000)
        for i in 0..<5000 { _ = many.record(F.falco(container: "c\(i)"), at: at(Double(i) * 0.001)) }
        #expect(many.keyCount <= 1000)
        #expect(many.keyCount >= 900)
    }

    @Test func pruneDropsIdleKeysButKeepsWaitingOnesAsFlags() throws {
        var tracker = ThresholdTracker(rules: [try rule(count: 2, window: 60, minInterval: 600)])
        let notified = F.falco(container: "n"), waiting = F.falco(container: "w")
        _ = tracker.record(notified, at: at(0))
        #expect(tracker.record(notified, at: at(1)) == .notify(count: 2))
        #expect(tracker.record(waiting, at: at(1)) == .held(count: 1, needed: 2))
        tracker.prune(at: at(30))
        #expect(tracker.keyCount == 2)
        tracker.prune(at: at(61))
        #expect(tracker.keyCount == 2, "min_interval still runs for one, the other waits")
        #expect(tracker.slotCount == 0)
        tracker.prune(at: at(601))
        #expect(tracker.keyCount == 1)
        // The waiting key still counts its later duplicates as candidates.
        #expect(tracker.evaluate(waiting, at: at(700), wantsNotification: false)?.decision == .held(count: 1, needed: 2))
    }

    @Test func timeGoingBackwardsIsClampedPerKey() throws {
        var tracker = ThresholdTracker(rules: [try rule(count: 2, window: 60)])
        _ = tracker.record(F.falco(), at: at(100))
        #expect(tracker.record(F.falco(), at: at(10)) == .notify(count: 2))
    }

    @Test func codableRoundTripContinuesIdentically() throws {
        let rules = [try rule(count: 3, window: 60, groupBy: ["host"], minInterval: 120, name: "bursts")]
        var original = ThresholdTracker(rules: rules)
        for (i, host) in ["a", "b", "a"].enumerated() { _ = original.record(F.falco(host: host), at: at(Double(i))) }
        let data = try JSONEncoder().encode(original)
        var restored = try JSONDecoder().decode(ThresholdTracker.self, from: data)
        #expect(restored == original)
        for (i, host) in ["a", "b", "b", "a"].enumerated() {
            let t = at(10 + Double(i))
            #expect(restored.record(F.falco(host: host), at: t) == original.record(F.falco(host: host), at: t))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let a = try encoder.encode(restored), b = try encoder.encode(original)
        #expect(a == b)
    }

    @Test func reconfigurationKeepsStateOfUnchangedRulesOnly() throws {
        let kept = try rule(count: 2, window: 60, name: "kept")
        let changed = try rule(#"source="trivy""#, count: 2, window: 60)
        var tracker = ThresholdTracker(rules: [kept, changed])
        _ = tracker.record(F.falco(), at: at(0))
        _ = tracker.record(F.vuln(cve: "CVE-1", extra: ["source": "trivy"]), at: at(0))
        var edited = changed
        edited.matchers = try Matcher.parseList(#"source=~"trivy|grype""#)
        var next = tracker.reconfigured(with: [edited, kept])
        #expect(next.keyCount == 1)
        #expect(next.record(F.falco(), at: at(1)) == .notify(count: 2))
        #expect(next.record(F.vuln(cve: "CVE-1", extra: ["source": "trivy"]), at: at(1)) == .held(count: 1, needed: 2))
    }
}
