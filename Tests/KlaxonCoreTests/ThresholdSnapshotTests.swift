import Foundation
import Testing
@testable import KlaxonCore

/// Threshold counts leave the tracker as snapshots (`takeChanges`) and come back (`restore`),
/// so a restart or a new owner of a partition goes on counting where the last one was.
@Suite struct ThresholdSnapshotTests {
    typealias F = NoiseFixtures
    let t0 = NoiseFixtures.t0

    func rule(count: Int, window: Int, groupBy: [String]? = nil, name: String? = "shells", matchers: String = #"source="falco""#) throws -> ThresholdRule {
        ThresholdRule(name: name, matchers: try Matcher.parseList(matchers), count: count, window: .seconds(window), groupBy: groupBy)
    }

    func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    func tracking(_ rules: [ThresholdRule]) -> ThresholdTracker {
        var t = ThresholdTracker(rules: rules)
        t.tracksChanges = true
        return t
    }

    @Test func aRestoredTrackerDecidesAsTheOneThatWasNeverStopped() throws {
        let rules = [try rule(count: 3, window: 600), try rule(count: 2, window: 600, groupBy: ["host"], name: "hosts")]
        var original = tracking(rules)
        let (a, b) = (F.falco(container: "c1"), F.falco(container: "c2"))
        var stored: [String: ThresholdKeySnapshot] = [:]
        func keep(_ changes: [ThresholdKeySnapshot]) { for c in changes { stored["\(c.rule)/\(c.hash)"] = c } }
        #expect(original.record(a, at: at(0)) == .held(count: 1, needed: 3))
        #expect(original.record(a, at: at(10)) == .held(count: 2, needed: 3))
        keep(original.takeChanges())
        #expect(original.record(b, at: at(20)) == .held(count: 1, needed: 3))
        keep(original.takeChanges())
        #expect(original.takeChanges().isEmpty, "taken changes are not taken twice")
        var untracked = ThresholdTracker(rules: rules)
        _ = untracked.record(a, at: at(0))
        #expect(untracked.takeChanges().isEmpty, "replays and the gate keep no changes")
        #expect(Set(stored.values.map(\.rule)) == ["name:shells|fingerprint"])

        var restored = tracking(rules)
        #expect(restored.restore(Array(stored.values)) == 2)
        #expect(restored == original)
        #expect(restored.record(a, at: at(30)) == .notify(count: 3))
        #expect(original.record(a, at: at(30)) == .notify(count: 3))
        // A fresh tracker would have held it: what the snapshots carry is what decides.
        var fresh = tracking(rules)
        #expect(fresh.record(a, at: at(30)) == .held(count: 1, needed: 3))
    }

    @Test func prunedKeysLeaveAsDropsAndRulesFollowTheirNameAcrossReloads() throws {
        var tracker = tracking([try rule(count: 1, window: 60)])
        let a = F.falco()
        #expect(tracker.record(a, at: at(0)) == .notify(count: 1))
        _ = tracker.takeChanges()
        tracker.prune(at: at(61))
        let dropped = tracker.takeChanges()
        #expect(dropped == [ThresholdKeySnapshot(rule: "name:shells|fingerprint", hash: a.fingerprint.value, state: nil)])
        // A held key is quieted instead: its flag stays, its slots go.
        var held = tracking([try rule(count: 3, window: 60)])
        _ = held.record(a, at: at(0))
        _ = held.takeChanges()
        held.prune(at: at(61))
        #expect(held.takeChanges().map { $0.state?.slots.count } == [0])
        tracker = held

        // A snapshot of a rule that went is left out; one whose rule moved in the list follows it.
        _ = tracker.record(a, at: at(100))
        let snapshots = tracker.takeChanges()
        let other = try rule(count: 5, window: 60, name: "other", matchers: #"source="trivy""#)
        var without = tracking([other])
        #expect(without.restore(snapshots) == 0)
        var moved = tracking([other, try rule(count: 3, window: 60)])
        #expect(moved.restore(snapshots) == 1)
        #expect(moved.record(a, at: at(101)) == .held(count: 2, needed: 3))
    }

    @Test func aKeyChangedHereAndNotTakenKeepsItsOwnCount() throws {
        let rules = [try rule(count: 3, window: 600)]
        let a = F.falco()
        var elsewhere = tracking(rules)
        _ = elsewhere.record(a, at: at(0))
        _ = elsewhere.record(a, at: at(1))
        let theirs = elsewhere.takeChanges()

        var mine = tracking(rules)
        _ = mine.record(a, at: at(2))
        #expect(mine.restore(theirs) == 0, "the local change is newer")
        #expect(mine.record(a, at: at(3)) == .held(count: 2, needed: 3))
        _ = mine.takeChanges()
        #expect(mine.restore(theirs) == 1)
        // A failed write gives its changes back: the key is changed again and wins once more.
        mine.markChanged(theirs)
        #expect(mine.restore(theirs) == 0)
        #expect(mine.takeChanges().count == 1)
    }
}
