import Foundation
import GRDB
import KlaxonCore
@testable import KlaxonStore
import KlaxonTesting
import Testing

/// Scan-scope resolution from the in-memory scope index, the compact stored form, and rows
/// written in the earlier JSON form.
@Suite struct AlertStoreScopeTests {
    func vuln(_ cve: Int, image: Int) -> Alert {
        let labels = ["alertname": "CVE-\(cve)", "severity": "high", "source": "trivy", "image": "img\(image)", "cve": "CVE-\(cve)"]
        return Alert(
            labels: labels, annotations: ["summary": "pkg \(cve) on img\(image)"], severity: .high,
            fingerprint: Fingerprint(labels: labels, keys: ["cve", "image"]), scope: "img\(image)")
    }

    func freshStore() throws -> (AlertStore, String) {
        let path = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("klaxon-scope-\(UUID().uuidString.prefix(8))/s.db").path
        return (try AlertStore(database: StateDatabase(path: path)), path)
    }

    /// A complete report for a scope, as the ingest loop writes it.
    func report(image: Int, cves: [Int], at: Date) -> BatchWrite {
        let alerts = cves.map { vuln($0, image: image) }
        return BatchWrite(
            reports: alerts.map { AlertReport(alert: $0, owner: "scans/0", receivedAt: at) },
            scans: [ScanReport(scopes: ["img\(image)"], present: Set(alerts.map(\.fingerprint)), at: at)])
    }

    @Test func aLaterReportResolvesExactlyWhatItNoLongerContainsInItsOwnScope() throws {
        let (store, path) = try freshStore()
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        for image in 0..<20 { try store.apply(report(image: image, cves: Array(0..<50), at: t0)) }
        // Image 7 is scanned again: 10 CVEs fixed, 5 new ones.
        let result = try store.apply(report(image: 7, cves: Array(10..<55), at: t0.addingTimeInterval(60)))
        let resolved = result.changes.filter { $0.status == .resolved }
        #expect(Set(resolved.map(\.alert.fingerprint)) == Set((0..<10).map { vuln($0, image: 7).fingerprint }))
        #expect(resolved.allSatisfy { $0.resolvedAt == t0.addingTimeInterval(60) && $0.alert.annotations["summary"] != nil })
        #expect(result.transitions.filter { $0 == .opened }.count == 5)
        // Nothing of the other 19 images changed, and a fresh process sees the same.
        let reopened = try AlertStore(database: StateDatabase(path: path))
        let states = try reopened.states(limit: 100_000)
        #expect(states.count == 20 * 50 + 5)
        #expect(states.filter { $0.status == .resolved }.count == 10)
        #expect(states.filter { $0.status == .resolved }.allSatisfy { $0.alert.labels["image"] == "img7" })
        // The same scan again resolves nothing more.
        let again = try reopened.apply(report(image: 7, cves: Array(10..<55), at: t0.addingTimeInterval(120)))
        #expect(again.changes.isEmpty)
    }

    @Test func anAlertOpenedAndLeftOutInOneBatchResolvesWithinThatBatch() throws {
        let (store, _) = try freshStore()
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        var batch = report(image: 1, cves: [1, 2, 3], at: t0)
        // A second, complete report of the same image in the same batch no longer has CVE 3.
        let second = report(image: 1, cves: [1, 2], at: t0.addingTimeInterval(1))
        batch.reports += second.reports
        batch.scans += second.scans
        try store.apply(batch)
        let s = try #require(try store.state(of: vuln(3, image: 1).fingerprint))
        #expect(s.status == .resolved)
        #expect(try store.state(of: vuln(1, image: 1).fingerprint)?.status == .firing)
    }

    @Test func aResolvedAlertThatComesBackJoinsItsScopeAgain() throws {
        let (store, _) = try freshStore()
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        try store.apply(report(image: 1, cves: [1, 2], at: t0))
        try store.apply(report(image: 1, cves: [2], at: t0.addingTimeInterval(1)))
        let back = try store.apply(report(image: 1, cves: [1, 2], at: t0.addingTimeInterval(2)))
        #expect(back.transitions == [.reopened, .duplicate])
        let gone = try store.apply(report(image: 1, cves: [2], at: t0.addingTimeInterval(3)))
        #expect(gone.changes.map(\.alert.fingerprint) == [vuln(1, image: 1).fingerprint])
        #expect(gone.changes.map(\.status) == [.resolved])
    }

    @Test func aReportWithoutAScopeLeavesTheAlertInItsScope() throws {
        let (store, path) = try freshStore()
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        try store.apply(report(image: 1, cves: [1, 2], at: t0))
        // The same finding from a listing that covers no scope (e.g. `aws inspector2 list-findings`).
        var listed = vuln(1, image: 1)
        listed.scope = nil
        listed.labels["source"] = "inspector2"
        try store.apply(BatchWrite(reports: [AlertReport(alert: listed, owner: "scans/0", receivedAt: t0.addingTimeInterval(1))]))
        #expect(try store.state(of: listed.fingerprint)?.alert.scope == "img1")
        // After a restart too, the next complete scan of the image without it resolves it.
        let reopened = try AlertStore(database: StateDatabase(path: path))
        let result = try reopened.apply(report(image: 1, cves: [2], at: t0.addingTimeInterval(2)))
        #expect(result.changes.map(\.alert.fingerprint) == [listed.fingerprint])
        #expect(reopened.sources(of: listed.fingerprint) == ["trivy", "inspector2"])
    }

    @Test func theCompactFormRoundTripsEveryField() throws {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<500 {
            func text() -> String {
                let pool = ["", "a", "é", "漢字", "\u{0}", "x\ny", String(repeating: "z", count: Int.random(in: 0...300, using: &rng)), "🚨"]
                return pool.randomElement(using: &rng)! + String(Int.random(in: 0...1_000_000, using: &rng))
            }
            var labels: [String: String] = [:]
            for _ in 0..<Int.random(in: 0...12, using: &rng) { labels[text()] = text() }
            var annotations: [String: String] = [:]
            for _ in 0..<Int.random(in: 0...5, using: &rng) { annotations[text()] = text() }
            func date() -> Date? { Bool.random(using: &rng) ? Date(timeIntervalSince1970: Double.random(in: 0...2e9, using: &rng)) : nil }
            let alert = Alert(
                labels: labels, annotations: annotations,
                severity: Severity(id: Int.random(in: 0...6, using: &rng), score: Int.random(in: 0...100, using: &rng)),
                fingerprint: Fingerprint(value: UInt64.random(in: 0...UInt64.max, using: &rng)),
                scope: Bool.random(using: &rng) ? text() : nil, occurredAt: date(), detectedAt: date(), resolvedAt: date(),
                expiresAfter: Bool.random(using: &rng) ? Double.random(in: 0...86_400, using: &rng) : nil,
                origin: Bool.random(using: &rng) ? text() : nil)
            #expect(try AlertCodec.decode(AlertCodec.encode(alert)) == alert)
        }
    }

    @Test func aDamagedRecordIsAnErrorNotACrash() throws {
        let alert = vuln(1, image: 1)
        let bytes = [UInt8](AlertCodec.encode(alert))
        for cut in 0..<bytes.count {
            #expect(throws: (any Error).self) { try AlertCodec.decode(Data(bytes[0..<cut])) }
        }
        var wrongVersion = bytes
        wrongVersion[0] = 9
        #expect(throws: (any Error).self) { try AlertCodec.decode(Data(wrongVersion)) }
    }

    @Test func rowsWrittenAsJSONByEarlierVersionsStillLoad() throws {
        let (store, path) = try freshStore()
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        try store.apply(report(image: 1, cves: [1, 2], at: t0))
        // Rewrite one row's content as the earlier JSON document.
        let legacy = vuln(1, image: 1)
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(
                sql: "UPDATE alert SET alert_json = ? WHERE fingerprint = ?",
                arguments: [try AlertStore.encoder.encode(legacy), legacy.fingerprint.description])
        }
        try queue.close()
        let reopened = try AlertStore(database: StateDatabase(path: path))
        #expect(try reopened.state(of: legacy.fingerprint)?.alert == legacy)
        // And the scan index knows it: a report without it resolves it.
        let result = try reopened.apply(report(image: 1, cves: [2], at: t0.addingTimeInterval(1)))
        #expect(result.changes.map(\.alert.fingerprint) == [legacy.fingerprint])
    }

    @Test func notificationLogEntriesRoundTripAndOldJSONEntriesLoad() throws {
        let entry = GroupScheduler.LogEntry(
            firing: [Fingerprint(value: 1), Fingerprint(value: .max)], resolved: [Fingerprint(value: 7)],
            at: Date(timeIntervalSince1970: 1_800_000_000.25))
        #expect(try LogEntryCodec.decode(LogEntryCodec.encode(entry)) == entry)
        #expect(try LogEntryCodec.decode(AlertStore.encoder.encode(entry)) == entry)
        let bytes = [UInt8](LogEntryCodec.encode(entry))
        for cut in 0..<bytes.count { #expect(throws: (any Error).self) { try LogEntryCodec.decode(Data(bytes[0..<cut])) } }
    }
}
