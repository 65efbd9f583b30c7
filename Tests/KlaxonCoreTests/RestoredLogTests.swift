import Foundation
import Testing
@testable import KlaxonCore

/// A scheduler that never notified an alert, given the notification log another one wrote,
/// sends the alert's resolution (issue #14: the instance that takes a partition over).
@Suite struct RestoredLogTests {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    @Test func aResolutionIsSentWhenTheLogSaysTheAlertWasNotifiedFiring() throws {
        let config = try RoutingConfig.load(yaml: """
            route:
              receiver: pager
              group_by: ['...']
              group_wait: 0s
              group_interval: 1s
            receivers:
              - name: pager
                webhook_configs: [{url: 'http://127.0.0.1:1/p'}]
            """, file: "r.yml")
        let labels = ["alertname": "Moved", "severity": "critical"]
        var old = GroupScheduler(config: config)
        old.insert(GroupedAlert(labels: labels, startsAt: t0), labels: labels, routes: config.route.match(labels), at: t0)
        #expect(old.advance(to: t0).count == 1)

        var new = GroupScheduler(config: config)
        new.log = old.log
        let resolved = GroupedAlert(fingerprint: Fingerprint(labels: labels), startsAt: t0, resolvedAt: t0.addingTimeInterval(60))
        new.insert(resolved, labels: labels, routes: config.route.match(labels), at: t0.addingTimeInterval(60))
        let sent = new.advance(to: t0.addingTimeInterval(60))
        #expect(sent.map(\.reason) == [.allResolved])
        #expect(sent.first?.resolved.map(\.fingerprint) == [Fingerprint(labels: labels)])
    }

    /// A partition that moves takes its alerts out of the old owner's groups without a word,
    /// and the new owner, given the log, sends nothing new for them — only their repeats.
    @Test func alertsThatMoveLeaveTheirGroupsSilentlyAndTheNewOwnerOnlyRepeatsThem() throws {
        let config = try RoutingConfig.load(yaml: """
            route:
              receiver: pager
              group_by: [alertname]
              group_wait: 0s
              group_interval: 1s
              repeat_interval: 10s
            receivers:
              - name: pager
                webhook_configs: [{url: 'http://127.0.0.1:1/p'}]
            """, file: "r.yml")
        func at(_ s: TimeInterval) -> Date { t0.addingTimeInterval(s) }
        let (a, b, c) = (["alertname": "Disk", "pod": "a"], ["alertname": "Disk", "pod": "b"], ["alertname": "Cpu"])
        func feed(_ s: inout GroupScheduler, _ labels: [String: String], at t: TimeInterval) {
            s.insert(GroupedAlert(labels: labels, startsAt: t0), labels: labels, routes: config.route.match(labels), at: at(t))
        }
        var old = GroupScheduler(config: config)
        for l in [a, b, c] { feed(&old, l, at: 0) }
        #expect(old.advance(to: at(0)).map(\.firing.count).sorted() == [1, 2])
        let moved: Set<Fingerprint> = [Fingerprint(labels: b), Fingerprint(labels: c)]

        var new = GroupScheduler(config: config)
        new.log = old.log
        #expect(old.remove(where: moved.contains) == 2)
        #expect(old.groupCount == 1 && old.changedGroupCount == 0)
        // What stayed is not news: the next notification is the repeat, of `a` alone.
        #expect(old.advance(to: at(5)).isEmpty)
        let repeated = old.advance(to: at(11))
        #expect(repeated.map(\.reason) == [.repeated])
        #expect(repeated.first?.firing.map(\.fingerprint) == [Fingerprint(labels: a)])

        // The new owner takes `b` and `c` in with the log: nothing until their repeats.
        feed(&new, b, at: 5)
        feed(&new, c, at: 5)
        #expect(new.advance(to: at(5)).isEmpty)
        let theirs = new.advance(to: at(11))
        #expect(theirs.map(\.reason) == [.repeated, .repeated])
        #expect(Set(theirs.flatMap(\.firing).map(\.fingerprint)) == moved)

        // A group not flushed yet that is left empty no longer waits for its first flush.
        feed(&old, ["alertname": "New"], at: 12)
        #expect(old.hasUnflushedGroups)
        old.remove { $0 == Fingerprint(labels: ["alertname": "New"]) }
        #expect(!old.hasUnflushedGroups && old.groupCount == 1)
        #expect(old.advance(to: at(12)).isEmpty)
    }
}
