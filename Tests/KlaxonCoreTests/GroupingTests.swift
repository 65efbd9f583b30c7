import Foundation
import Testing
@testable import KlaxonCore

/// Timelines: `at(seconds)` is virtual time since t0.
@Suite struct GroupingTests {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)
    func at(_ s: TimeInterval) -> Date { t0.addingTimeInterval(s) }

    let config: RoutingConfig
    init() throws {
        config = try RoutingConfig.load(yaml: """
        route:
          receiver: team
          group_by: [alertname, cluster]
          group_wait: 30s
          group_interval: 5m
          repeat_interval: 4h
          routes:
            - receiver: quiet
              matchers: [team=quiet]
        receivers:
          - name: team
            webhook_configs: [{url: 'http://127.0.0.1:1/team'}]
          - name: quiet
            webhook_configs: [{url: 'http://127.0.0.1:1/quiet', send_resolved: false}]
        """, file: "g.yml")
    }

    /// Groups keep no labels: the test keeps them, as the service keeps them in its store.
    let labelsOf = LabelBook()

    func alert(_ labels: [String: String], start: TimeInterval, resolved: TimeInterval? = nil) -> GroupedAlert {
        let a = GroupedAlert(labels: labels, startsAt: at(start), resolvedAt: resolved.map(at))
        labelsOf[a.fingerprint] = labels
        return a
    }

    func feed(_ s: inout GroupScheduler, _ a: GroupedAlert, at t: TimeInterval) {
        let labels = labelsOf[a.fingerprint] ?? [:]
        s.insert(a, labels: labels, routes: config.route.match(labels), at: at(t))
    }

    @Test func manyGroupsFlushInDeadlineOrderAndCountTheirUnflushedChanges() {
        var s = GroupScheduler(config: config)
        // 200 groups started at different times: each first flushes 30 s after it started.
        for i in 0..<200 { feed(&s, alert(["alertname": "A\(i)", "cluster": "eu"], start: Double(i)), at: Double(i)) }
        #expect(s.changedGroupCount == 200 && s.hasUnflushedGroups)
        #expect(s.nextFlushAt == at(30))
        let first = s.advance(to: at(129))
        #expect(first.count == 100)
        #expect(first.map(\.at) == (0..<100).map { at(Double($0) + 30) })
        #expect(s.changedGroupCount == 100)
        #expect(s.nextFlushAt == at(130))
        // An alert joining a flushed group marks it changed; its deadline stays group_interval.
        feed(&s, alert(["alertname": "A0", "cluster": "eu", "pod": "b"], start: 140), at: 140)
        #expect(s.changedGroupCount == 101)
        _ = s.advance(to: at(229))
        #expect(s.changedGroupCount == 1 && !s.hasUnflushedGroups)
        let again = s.advance(to: at(330))
        #expect(again.map(\.groupKey.value) == [#"{}:{alertname="A0", cluster="eu"}"#])
        #expect(s.changedGroupCount == 0)
    }

    @Test func groupKeyLooksLikeAlertmanagers() {
        let labels = ["alertname": "DiskFull", "cluster": "eu", "pod": "x"]
        let route = config.route.match(labels)[0]
        #expect(GroupKey(route: route, labels: labels).value == #"{}:{alertname="DiskFull", cluster="eu"}"#)
        let quiet = config.route.match(["team": "quiet", "alertname": "A"])[0]
        #expect(GroupKey(route: quiet, labels: ["team": "quiet", "alertname": "A"]).value == #"{}/{team="quiet"}:{alertname="A"}"#)
    }

    @Test func firstFlushAfterGroupWaitThenGroupIntervalThenRepeat() {
        var s = GroupScheduler(config: config)
        let a = alert(["alertname": "DiskFull", "cluster": "eu", "pod": "a"], start: 0)
        let b = alert(["alertname": "DiskFull", "cluster": "eu", "pod": "b"], start: 60)
        feed(&s, a, at: 0)
        #expect(s.advance(to: at(29)).isEmpty)
        let first = s.advance(to: at(30))
        #expect(first.map(\.reason) == [.initial])
        #expect(first.first?.firing == [a])
        #expect(first.first?.at == at(30))
        #expect(s.nextFlushAt == at(330))

        feed(&s, b, at: 60)                           // joins; does not reset the timer
        #expect(s.advance(to: at(329)).isEmpty)
        let second = s.advance(to: at(330))
        #expect(second.map(\.reason) == [.changed])
        #expect(Set(second.first?.firing ?? []) == [a, b])

        // Nothing changes: silent ticks every 5 min until repeat_interval (4h) has passed
        // strictly since the last notification at 330 s: 330 + 14400 = 14730 is a tick, not yet.
        #expect(s.advance(to: at(14730)).isEmpty)
        let repeated = s.advance(to: at(15030))
        #expect(repeated.map(\.reason) == [.repeated])
        #expect(repeated.first?.at == at(15030))
        // A repeat carries the same state as the notification it repeats, hence the same key.
        #expect(repeated.first?.idempotencyKey == second.first?.idempotencyKey)
        #expect(first.first?.idempotencyKey != second.first?.idempotencyKey)
    }

    @Test func resolvedNotificationsAndGroupRemoval() {
        var s = GroupScheduler(config: config)
        let a = alert(["alertname": "X", "cluster": "eu", "pod": "a"], start: 0)
        let b = alert(["alertname": "X", "cluster": "eu", "pod": "b"], start: 0)
        feed(&s, a, at: 0)
        feed(&s, b, at: 0)
        #expect(s.advance(to: at(30)).count == 1)

        var aResolved = a
        aResolved.resolvedAt = at(100)
        feed(&s, aResolved, at: 100)
        let update = s.advance(to: at(330))
        #expect(update.map(\.reason) == [.changed])
        #expect(update.first?.firing == [b])
        #expect(update.first?.resolved == [aResolved])
        #expect(s.alerts(in: update[0].groupKey) == [b], "resolved alerts leave the group after being flushed")

        var bResolved = b
        bResolved.resolvedAt = at(400)
        feed(&s, bResolved, at: 400)
        let last = s.advance(to: at(630))
        #expect(last.map(\.reason) == [.allResolved])
        #expect(last.first?.firing == [])
        #expect(last.first?.resolved == [bResolved])
        #expect(s.groupKeys.isEmpty)
        #expect(s.nextFlushAt == nil)
    }

    @Test func aNotificationNamesTheAlertsNewInItsStatus() {
        var s = GroupScheduler(config: config)
        let a = alert(["alertname": "X", "cluster": "eu", "pod": "a"], start: 0)
        let b = alert(["alertname": "X", "cluster": "eu", "pod": "b"], start: 0)
        feed(&s, a, at: 0)
        feed(&s, b, at: 0)
        #expect(s.advance(to: at(30)).first?.newAlerts == [a.fingerprint, b.fingerprint], "a first notification: every alert")

        let c = alert(["alertname": "X", "cluster": "eu", "pod": "c"], start: 100)
        feed(&s, c, at: 100)
        let changed = s.advance(to: at(330))
        #expect(changed.first?.firing.count == 3)
        #expect(changed.first?.newAlerts == [c.fingerprint], "a re-flush: only the alert that joined")

        var aResolved = a
        aResolved.resolvedAt = at(400)
        feed(&s, aResolved, at: 400)
        let resolved = s.advance(to: at(630))
        #expect(resolved.first?.newAlerts == [a.fingerprint], "an alert that resolved is new in its status")
        let repeated = s.advance(to: at(15_400))  // repeat_interval 4h after the flush at 630, on a group_interval tick
        #expect(repeated.map(\.reason) == [.repeated])
        #expect(repeated.first?.newAlerts == [], "a repeat: nothing new")
    }

    @Test func receiverWithoutSendResolvedGetsNoResolvedNotification() {
        var s = GroupScheduler(config: config)
        let labels = ["alertname": "Q", "team": "quiet"]
        feed(&s, alert(labels, start: 0), at: 0)
        #expect(s.advance(to: at(30)).map(\.receiver) == ["quiet"])
        feed(&s, alert(labels, start: 0, resolved: 50), at: 50)
        #expect(s.advance(to: at(330)).isEmpty)
        #expect(s.groupKeys.isEmpty)
    }

    @Test func oldAlertFlushesImmediately() {
        var s = GroupScheduler(config: config)
        feed(&s, alert(["alertname": "Old"], start: 0), at: 3600)
        let n = s.advance(to: at(3600))
        #expect(n.map(\.reason) == [.initial])
        #expect(n.first?.at == at(3600))
    }

    @Test func alertsFiredAndResolvedBetweenFlushesAreNotNotified() {
        var s = GroupScheduler(config: config)
        feed(&s, alert(["alertname": "Blip"], start: 0), at: 0)
        feed(&s, alert(["alertname": "Blip"], start: 0, resolved: 10), at: 10)
        #expect(s.advance(to: at(30)).isEmpty)
        #expect(s.groupKeys.isEmpty)
    }

    @Test func mutedAlertsAreLeftOutAndMutedGroupsSendNothing() {
        var s = GroupScheduler(config: config)
        let a = alert(["alertname": "M", "pod": "a"], start: 0)
        let b = alert(["alertname": "M", "pod": "b"], start: 0)
        feed(&s, a, at: 0)
        feed(&s, b, at: 0)
        let silencedB = s.advance(to: at(30)) { alert, _ in labelsOf[alert.fingerprint]?["pod"] == "b" }
        #expect(silencedB.first?.firing == [a])
        // b's silence ends: b is new to the receiver, so the next tick notifies.
        let next = s.advance(to: at(330))
        #expect(next.map(\.reason) == [.changed])
        #expect(Set(next.first?.firing ?? []) == [a, b])
        // Everything muted: nothing is sent.
        #expect(s.advance(to: at(20000)) { _, _ in true }.isEmpty)
    }

    @Test func separateGroupsFlushInDeadlineOrder() {
        var s = GroupScheduler(config: config)
        feed(&s, alert(["alertname": "B", "cluster": "eu"], start: 0), at: 10)
        feed(&s, alert(["alertname": "A", "cluster": "eu"], start: 0), at: 20)
        feed(&s, alert(["alertname": "A", "cluster": "us"], start: 0), at: 20)
        let n = s.advance(to: at(60))
        #expect(n.map(\.groupKey.value) == [#"{}:{alertname="B", cluster="eu"}"#, #"{}:{alertname="A", cluster="eu"}"#, #"{}:{alertname="A", cluster="us"}"#])
        #expect(n.map(\.at) == [at(40), at(50), at(50)])
    }

    @Test func groupByAllUsesEveryLabel() throws {
        let c = try RoutingConfig.load(yaml: "route: {receiver: r, group_by: ['...']}\nreceivers: [{name: r}]", file: "x.yml")
        let labels = ["b": "2", "a": "1"]
        #expect(GroupKey(route: c.route, labels: labels).value == #"{}:{a="1", b="2"}"#)
    }
}
