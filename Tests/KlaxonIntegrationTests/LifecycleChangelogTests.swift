import Foundation
import KlaxonCore
@testable import KlaxonStore
import Testing

/// The lifecycle fields' changelog at the store (issue #14): a first notification, an SLA
/// breach and an escalation step each mark their alert; the marked fields are taken whole, and
/// a store restored from them (after the alert records) sees the same open alerts and
/// escalations as the source — what lets a new owner go on escalating.
@Suite struct LifecycleChangelogTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000.5)

    func alert(_ i: Int) -> Alert {
        let labels = ["alertname": "CVE-\(i)", "severity": "critical", "source": "trivy"]
        return Alert(labels: labels, severity: .critical, fingerprint: Fingerprint(labels: ["alertname": "CVE-\(i)"]), scope: "img:1")
    }

    func fresh() throws -> (AlertStore, StateDatabase) {
        let db = try StateDatabase.temporary("lifecycle-changelog")
        return (try AlertStore(database: db), db)
    }

    /// What the lifecycle timers read of each open alert, comparable across stores.
    func open(_ db: StateDatabase) throws -> [String] {
        var out: [String] = []
        try AlertHistory(database: db).forEachOpenAlert { a in
            out.append("\(a.fingerprint) \(a.detectedAt.timeIntervalSince1970) \(String(describing: a.notifiedAt)) \(a.breached.map(\.rawValue).sorted())")
        }
        return out.sorted()
    }

    func notify(_ store: AlertStore, _ i: Int, at: Date) throws {
        let a = alert(i)
        let n = AlertNotification(
            idempotencyKey: "r/\(a.fingerprint)", receiver: "r", status: .firing, groupKey: "{}:{}", groupLabels: [:],
            alerts: [NotifiedAlert(status: .firing, fingerprint: a.fingerprint, labels: a.labels, annotations: [:], severity: .critical, startsAt: t0)])
        try store.recordFlush([QueuedNotification(notification: n, integration: "webhook[0]", key: "r/\(a.fingerprint)/webhook[0]")], log: [:], at: at)
    }

    @Test func recordsRoundTripAndDamagedOnesAreRefused() throws {
        let fp = alert(1).fingerprint
        let records = [
            LifecycleChangelogRecord(fingerprint: fp, instanceStart: t0, notifiedAt: nil, slaBreached: "", escalations: []),
            LifecycleChangelogRecord(
                fingerprint: fp, instanceStart: t0, notifiedAt: t0.addingTimeInterval(3), slaBreached: "acknowledge,resolve",
                escalations: [
                    EscalationState(fingerprint: fp, policy: "oncall", instanceStart: t0, step: 2, dueAt: t0.addingTimeInterval(600)),
                    EscalationState(fingerprint: fp, policy: "security", instanceStart: t0, step: 0, dueAt: .distantFuture),
                ]),
        ]
        for r in records {
            let data = LifecycleChangelogCodec.encode(r)
            #expect(try LifecycleChangelogCodec.decode(data) == r)
            for n in 0..<data.count {
                #expect(throws: (any Error).self) { try LifecycleChangelogCodec.decode(data.prefix(n)) }
            }
            #expect(throws: (any Error).self) { try LifecycleChangelogCodec.decode(data + Data([0])) }
        }
        // Told apart from an alert record by its first byte, and refused by the alert codec.
        #expect(LifecycleChangelogCodec.version != AlertChangelogCodec.version)
        #expect(throws: (any Error).self) { try AlertChangelogCodec.decode(LifecycleChangelogCodec.encode(records[1])) }
    }

    @Test func aRestoredStoreSeesTheSameNotificationsBreachesAndEscalations() throws {
        let (source, sourceDB) = try fresh()
        let lifecycle = LifecycleChangelog(database: sourceDB)
        try source.apply(BatchWrite(reports: (0..<4).map { AlertReport(alert: alert($0), owner: "s/0", receivedAt: t0) }))
        #expect(try !lifecycle.waiting(), "opening alerts changes no lifecycle field")
        // CVE-0 notified; CVE-1 notified and past its acknowledge SLA; CVE-2 notified and
        // escalated to its second step; CVE-3 never notified.
        for i in 0..<3 { try notify(source, i, at: t0.addingTimeInterval(Double(i + 1))) }
        try AlertHistory(database: sourceDB).record(
            alert(1).fingerprint, AlertEvent(at: t0.addingTimeInterval(60), kind: .slaBreached, actor: "sla", reason: "acknowledge: critical within 1m"))
        let escalations = EscalationStore(database: sourceDB)
        let step = EscalationState(fingerprint: alert(2).fingerprint, policy: "oncall", instanceStart: t0, step: 1, dueAt: t0.addingTimeInterval(900))
        try escalations.save(step)

        let (fields, marks) = try lifecycle.take()
        #expect(Set(fields.map(\.fingerprint)) == Set((0..<3).map { alert($0).fingerprint }))
        #expect(fields.first { $0.fingerprint == alert(2).fingerprint }?.escalations == [step])
        #expect(fields.first { $0.fingerprint == alert(1).fingerprint }?.slaBreached == "acknowledge")
        // A new owner: the alert records first, then the lifecycle ones, through the wire form.
        let (copy, copyDB) = try fresh()
        try copy.restore(source.takeChangelog().records)
        #expect(try open(copyDB) != open(sourceDB), "the alert records alone do not say what was notified")
        let wire = try fields.map { try LifecycleChangelogCodec.decode(LifecycleChangelogCodec.encode($0)) }
        #expect(try LifecycleChangelog(database: copyDB).restore(wire) == 3)
        #expect(try open(copyDB) == open(sourceDB))
        #expect(try EscalationStore(database: copyDB).all() == [step])
        #expect(try !LifecycleChangelog(database: copyDB).waiting(), "a restore is not a change to produce again")

        // Produced: the marks go, except one made again meanwhile (it is newer).
        try escalations.save(EscalationState(fingerprint: alert(2).fingerprint, policy: "oncall", instanceStart: t0, step: 2, dueAt: .distantFuture))
        try lifecycle.written(marks)
        #expect(try lifecycle.take().records.map(\.fingerprint) == [alert(2).fingerprint])
        // An escalation that ended is carried as none.
        try escalations.delete(alert(2).fingerprint, policy: "oncall")
        #expect(try lifecycle.take().records.first?.escalations == [])
    }

    @Test func takesOfPartOfTheMarksCarryTheirAlertsEscalationsOnly() throws {
        let (store, db) = try fresh()
        try store.apply(BatchWrite(reports: (0..<3).map { AlertReport(alert: alert($0), owner: "s/0", receivedAt: t0) }))
        let escalations = EscalationStore(database: db)
        for i in 0..<3 {
            try escalations.save(EscalationState(
                fingerprint: alert(i).fingerprint, policy: "p\(i)", instanceStart: t0, step: i, dueAt: t0.addingTimeInterval(60)))
        }
        let lifecycle = LifecycleChangelog(database: db)
        var seen: [Fingerprint: [String]] = [:]
        for _ in 0..<5 {
            let (records, marks) = try lifecycle.take(limit: 1)
            guard !marks.isEmpty else { break }
            #expect(records.count == 1 && Set(marks.keys) == Set(records.map(\.fingerprint)))
            for r in records { seen[r.fingerprint] = r.escalations.map { "\($0.fingerprint) \($0.policy)" } }
            try lifecycle.written(marks)
        }
        #expect(seen == Dictionary(uniqueKeysWithValues: (0..<3).map { (alert($0).fingerprint, ["\(alert($0).fingerprint) p\($0)"]) }))
    }

    @Test func aLocalMarkWinsAndAnotherInstancesFieldsApplyToNothing() throws {
        let (store, db) = try fresh()
        try store.apply(BatchWrite(reports: [AlertReport(alert: alert(1), owner: "s/0", receivedAt: t0)]))
        let fp = alert(1).fingerprint
        let earlier = LifecycleChangelogRecord(
            fingerprint: fp, instanceStart: t0.addingTimeInterval(-3600), notifiedAt: t0.addingTimeInterval(-3000), slaBreached: "resolve", escalations: [])
        let lifecycle = LifecycleChangelog(database: db)
        try lifecycle.restore([earlier])
        #expect(try open(db) == ["\(fp) \(t0.timeIntervalSince1970) nil []"], "an earlier instance's fields are not this one's")

        try notify(store, 1, at: t0.addingTimeInterval(5))
        let mine = try open(db)
        #expect(mine != ["\(fp) \(t0.timeIntervalSince1970) nil []"])
        let stale = LifecycleChangelogRecord(fingerprint: fp, instanceStart: t0, notifiedAt: nil, slaBreached: "", escalations: [])
        #expect(try lifecycle.restore([stale]) == 0, "not produced yet: the local change is newer")
        #expect(try open(db) == mine)
        try lifecycle.written(try lifecycle.take().marks)
        #expect(try lifecycle.restore([stale]) == 1)
        #expect(try open(db) == ["\(fp) \(t0.timeIntervalSince1970) nil []"])
    }
}
