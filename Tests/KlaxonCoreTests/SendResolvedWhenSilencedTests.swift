import Foundation
import Testing
@testable import KlaxonCore

/// `send_resolved_when_silenced` on a timeline: fire → notified → silenced → resolved. A
/// receiver with the flag gets the resolved notification (closing what the firing one
/// opened); one without it stays silent, as Alertmanager does.
@Suite struct SendResolvedWhenSilencedTests {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)
    func at(_ s: TimeInterval) -> Date { t0.addingTimeInterval(s) }

    func config(flag: String) throws -> RoutingConfig {
        try RoutingConfig.load(yaml: """
            route:
              receiver: closes
              group_by: [alertname]
              group_wait: 0s
              group_interval: 1m
              repeat_interval: 4h
              routes:
                - receiver: closes
                  continue: true
                - receiver: plain
            receivers:
              - name: closes
                \(flag)
                webhook_configs: [{url: 'http://127.0.0.1:1/closes'}]
              - name: plain
                webhook_configs: [{url: 'http://127.0.0.1:1/plain'}]
            """, file: "r.yml")
    }

    /// Runs the timeline; returns the notifications per receiver after the silence began.
    func timeline(_ config: RoutingConfig, resolvesAt: TimeInterval = 150) -> [String: [GroupNotification]] {
        var s = GroupScheduler(config: config)
        let labels = ["alertname": "CVE-2024-6387", "severity": "critical"]
        let firing = GroupedAlert(labels: labels, startsAt: at(0))
        s.insert(firing, labels: labels, routes: config.route.match(labels), at: at(0))
        let first = s.advance(to: at(0))
        #expect(first.map(\.receiver).sorted() == ["closes", "plain"], "both notified of the firing alert")
        // Silenced from 30 s on; a flush while silenced and still firing sends nothing.
        let silenced = { (_: GroupedAlert, t: Date) in t >= self.at(30) }
        var after = s.advance(to: at(120), isMuted: silenced)
        var resolved = firing
        resolved.resolvedAt = at(resolvesAt)
        s.insert(resolved, labels: labels, routes: config.route.match(labels), at: at(resolvesAt))
        after += s.advance(to: at(600), isMuted: silenced)
        return Dictionary(grouping: after, by: \.receiver)
    }

    @Test func aSilencedAlertThatResolvesClosesTheIncidentOnlyWithTheFlag() throws {
        let config = try config(flag: "send_resolved_when_silenced: true")
        #expect(config.receiver(named: "closes")?.sendResolvedWhenSilenced == true)
        #expect(config.receiver(named: "plain")?.sendResolvedWhenSilenced == false, "default false")
        let sent = timeline(config)
        let closes = try #require(sent["closes"])
        let firingFingerprint = Fingerprint(labels: ["alertname": "CVE-2024-6387", "severity": "critical"])
        #expect(closes.count == 1, "only the resolution, nothing while silenced and firing")
        #expect(closes.first?.firing.isEmpty == true && closes.first?.resolved.map(\.fingerprint) == [firingFingerprint])
        #expect(closes.first?.reason == .allResolved)
        #expect(sent["plain"] == nil, "without the flag a silenced resolution stays muted")
    }

    @Test func withoutTheFlagNothingIsSentForTheSilencedResolution() throws {
        let sent = timeline(try config(flag: ""))
        #expect(sent.isEmpty)
    }

    @Test func aReceiverNeverToldOfTheFiringAlertHearsNothingOfItsResolution() throws {
        let config = try config(flag: "send_resolved_when_silenced: true")
        var s = GroupScheduler(config: config)
        let labels = ["alertname": "Muted-from-the-start"]
        let muted = { (_: GroupedAlert, _: Date) in true }
        s.insert(GroupedAlert(labels: labels, startsAt: at(0)), labels: labels, routes: config.route.match(labels), at: at(0))
        #expect(s.advance(to: at(0), isMuted: muted).isEmpty)
        s.insert(GroupedAlert(labels: labels, startsAt: at(0), resolvedAt: at(90)), labels: labels, routes: config.route.match(labels), at: at(90))
        #expect(s.advance(to: at(600), isMuted: muted).isEmpty)
    }

    @Test func theKeyIsDecodedStrictly() {
        do {
            _ = try config(flag: "send_resolved_when_silenced: sometimes")
            Issue.record("a non-boolean value must be refused")
        } catch {
            #expect("\(error)" == #"r.yml:13:34: receivers[0].send_resolved_when_silenced: expected true or false, got "sometimes""#)
        }
        do {
            _ = try config(flag: "send_resolved_when_silent: true")
            Issue.record("a misspelt key must be refused")
        } catch {
            #expect("\(error)".contains("send_resolved_when_silent"), "\(error)")
        }
    }
}
