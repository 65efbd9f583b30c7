import Foundation
import Testing

@testable import KlaxonCore

/// The pure parts of the incident loop: the report's numbers, SLA checks, escalation steps.
@Suite struct LifecycleCoreTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let fp = Fingerprint(labels: ["a": "b"])

    func record(_ severity: String, _ source: String, detect: Double, ack: Double?, resolve: Double?, breached: Bool = false, fp: Bool = false) -> IncidentRecord {
        IncidentRecord(
            fingerprint: Fingerprint(labels: ["n": UUID().uuidString]), labels: ["severity": severity, "source": source],
            occurredAt: t0, detectedAt: t0.addingTimeInterval(detect), notifiedAt: t0.addingTimeInterval(detect + 10),
            acknowledgedAt: ack.map { t0.addingTimeInterval(detect + 10 + $0) }, resolvedAt: resolve.map { t0.addingTimeInterval(detect + $0) },
            slaBreaches: breached ? [.resolve] : [], falsePositive: fp)
    }

    @Test func reportGroupsAndComputesMediansAndP90() {
        let records = (1...10).map { i in record("high", "trivy", detect: Double(i) * 60, ack: Double(i) * 100, resolve: Double(i) * 3600, breached: i > 8) }
            + [record("critical", "falco", detect: 5, ack: nil, resolve: nil, fp: true)]
        let report = IncidentReport.make(records, by: ["severity", "source"], since: t0, until: t0.addingTimeInterval(86_400 * 30))
        #expect(report.rows.map(\.group) == [["severity": "critical", "source": "falco"], ["severity": "high", "source": "trivy"]])
        let high = report.rows[1]
        #expect(high.alerts == 10 && high.resolved == 10 && high.open == 0)
        #expect(high.detect == IncidentReport.Stat(count: 10, median: 300, p90: 540))
        #expect(high.acknowledge?.median == 500 && high.acknowledge?.p90 == 900)
        #expect(high.resolve?.median == 5 * 3600 && high.resolve?.p90 == 9 * 3600)
        #expect(high.slaCompliance == 0.8)
        #expect(report.rows[0].falsePositiveRate == 1 && report.rows[0].acknowledge == nil)
        #expect(report.total.alerts == 11)
        let table = report.table()
        #expect(table.contains("MTTR p50") && table.contains("TOTAL") && table.contains("5.0h") && table.contains("80%"), "\(table)")
        let csv = report.csv().split(separator: "\n")
        #expect(csv.first == "severity,source,alerts,open,acknowledged,resolved,mttd_p50_s,mttd_p90_s,mtta_p50_s,mtta_p90_s,mttr_p50_s,mttr_p90_s,sla_compliance,false_positive_rate")
        #expect(csv.last?.hasPrefix("high,trivy,10,0,10,10,300,540,500,900,18000,32400,0.8000,0.0000") == true, "\(csv)")
    }

    @Test func escalationStepsThroughTiersAndRepeatsThenStops() {
        let policy = EscalationPolicy(
            name: "p", tiers: [.init(receivers: ["a"], delay: .seconds(300)), .init(receivers: ["b"], delay: .seconds(600))], repeat: 1)
        var s = Escalation.start(fp, policy: policy, instanceStart: t0, notifiedAt: t0)!
        #expect(s.dueAt == t0.addingTimeInterval(300))
        #expect(Escalation.decide(s, policy: policy, open: true, breached: false, now: t0.addingTimeInterval(299)) == .wait)
        #expect(Escalation.decide(s, policy: policy, open: true, breached: true, now: t0.addingTimeInterval(10)) != .wait, "a breach escalates at once")
        var sent: [String] = []
        var now = t0
        for _ in 0..<4 {
            now = s.dueAt
            guard case let .notify(_, _, receivers, next) = Escalation.decide(s, policy: policy, open: true, breached: false, now: now) else {
                Issue.record("expected a step")
                return
            }
            sent += receivers
            s = next
        }
        #expect(sent == ["a", "b", "a", "b"])
        #expect(s.dueAt == .distantFuture)
        #expect(Escalation.decide(s, policy: policy, open: true, breached: false, now: now.addingTimeInterval(1e6)) == .wait, "finished")
        #expect(Escalation.decide(s, policy: policy, open: false, breached: false, now: now) == .stop, "acknowledged or resolved")
    }

    @Test func escalationPoliciesLoadAndReferencesAreChecked() throws {
        let yaml = """
            route:
              receiver: a
              escalation: oncall
            receivers: [{name: a}, {name: b}]
            escalation_policies:
              - name: oncall
                tiers:
                  - {receivers: [b], delay: 15m}
            """
        let config = try RoutingConfig.load(yaml: yaml, file: "r.yml")
        #expect(config.route.escalation == "oncall")
        #expect(config.escalationPolicy(named: "oncall")?.tiers.first?.delay == .seconds(900))
        #expect(throws: ConfigError.self) { try RoutingConfig.load(yaml: yaml.replacingOccurrences(of: "escalation: oncall", with: "escalation: nobody"), file: "r.yml") }
        #expect(throws: ConfigError.self) { try RoutingConfig.load(yaml: yaml.replacingOccurrences(of: "receivers: [b]", with: "receivers: [c]"), file: "r.yml") }
    }

    @Test func slaChecksStartTheirClocksWhereTheyShould() {
        let open = OpenAlert(fingerprint: fp, severity: .critical, source: "trivy", detectedAt: t0, notifiedAt: nil, acknowledgedAt: nil, breached: [])
        #expect(SLAPolicy.operations.breaches(open, now: t0.addingTimeInterval(86_400)).isEmpty, "never notified: no acknowledge clock")
        var notified = open
        notified.notifiedAt = t0.addingTimeInterval(60)
        #expect(SLAPolicy.operations.breaches(notified, now: t0.addingTimeInterval(60 + 900)) == [.acknowledge])
        notified.breached = [.acknowledge]
        #expect(SLAPolicy.operations.breaches(notified, now: t0.addingTimeInterval(86_400)).isEmpty)
    }

    /// The lifecycle pass looks only at alerts `mayHaveExpired` lets through: it must let
    /// through every alert `expiry` resolves under any route (a route with a timeout no shorter
    /// than the shortest, or none), and rule out ones no route could resolve yet.
    @Test func mayHaveExpiredLetsThroughEveryAlertExpiryResolves() {
        let config = LifecycleConfig(resolveTimeouts: ["falco": .seconds(1800), "guardduty": .seconds(7200)])
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        let sourceSets: [[String]] = [[], ["falco"], ["guardduty"], ["falco", "guardduty"], ["trivy"], ["falco", "trivy"], ["custom"]]
        let shortests: [Duration?] = [nil, .seconds(60), .seconds(3600)]
        let ages: [Double] = [0, 59, 60, 1799, 1800, 3600, 7200, 100_000]
        var checked = 0
        for sources in sourceSets {
            for shortest in shortests {
                let routes: [Duration?] = [nil] + (shortest.map { [$0, $0 * 2, $0 * 200] } ?? [])
                for expiresAfter in [nil, 30.0, 5000.0] {
                    for age in ages {
                        let now = t0.addingTimeInterval(age)
                        let may = config.mayHaveExpired(sources: sources, lastSeenAt: t0, expiresAfter: expiresAfter, shortestRoute: shortest, now: now)
                        let resolvedUnderSome = routes.contains {
                            config.expiry(sources: sources, lastSeenAt: t0, expiresAfter: expiresAfter, route: $0)?.resolution(now: now) != nil
                        }
                        #expect(may || !resolvedUnderSome, "\(sources) shortest \(String(describing: shortest)) endsAfter \(String(describing: expiresAfter)) age \(age)")
                        checked += 1
                    }
                }
            }
        }
        #expect(checked == 7 * 3 * 3 * 8)
        // And it rules out what nothing resolves yet: a fresh runtime alert, a scanner's
        // finding (no timeout at all), a runtime alert quiet for less than the shortest route's.
        #expect(!config.mayHaveExpired(sources: ["falco"], lastSeenAt: t0, expiresAfter: nil, shortestRoute: nil, now: t0.addingTimeInterval(60)))
        #expect(!config.mayHaveExpired(sources: ["trivy"], lastSeenAt: t0, expiresAfter: nil, shortestRoute: .seconds(60), now: t0.addingTimeInterval(100_000)))
        #expect(!config.mayHaveExpired(sources: ["falco"], lastSeenAt: t0, expiresAfter: nil, shortestRoute: .seconds(600), now: t0.addingTimeInterval(599)))
        #expect(config.mayHaveExpired(sources: ["falco"], lastSeenAt: t0, expiresAfter: nil, shortestRoute: .seconds(600), now: t0.addingTimeInterval(600)))
        #expect(config.mayHaveExpired(sources: ["trivy"], lastSeenAt: t0, expiresAfter: 30, shortestRoute: nil, now: t0.addingTimeInterval(30)))
    }
}
