// DedupBench: dedup decisions per second against a real SQLite state file holding N alerts
// (default 1,000,000), and the process's RSS at that size. Not a test; run in release:
//   swift run -c release DedupBench [fingerprints] [batches] [batch-size]
// Targets (issue #5): >= 100k decisions/s with 1,000,000 fingerprints in state; RSS < 400 MB.
import Foundation
import KlaxonCore
import KlaxonStore

let args = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let total = args.count > 0 ? args[0] : 1_000_000
let batches = args.count > 1 ? args[1] : 1_000
let batchSize = args.count > 2 ? args[2] : 500

/// A Trivy-shaped vulnerability alert; `i` picks image, CVE and package.
func alert(_ i: Int) -> Alert {
    let labels = [
        "alertname": "CVE-2024-\(10_000 + i % 50_000)", "source": "trivy", "category": "vulnerability",
        "severity": ["critical", "high", "medium", "low"][i % 4], "image": "registry.example.com/team\(i % 40)/svc\(i % 997):1.\(i % 13)",
        "cve": "CVE-2024-\(10_000 + i % 50_000)", "package": "libpkg\(i % 311)", "installed_version": "1.\(i % 7).\(i % 11)",
    ]
    return Alert(
        labels: labels, annotations: ["summary": "libpkg\(i % 311): a vulnerability"], severity: Severity(level: .init(rawValue: 2 + i % 4)!),
        fingerprint: Fingerprint(labels: labels), scope: labels["image"])
}

func rssMB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
    else { return 0 }
    return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
}

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

let dir = FileManager.default.temporaryDirectory.appendingPathComponent("klaxon-dedupbench-\(UUID().uuidString.prefix(8))")
defer { try? FileManager.default.removeItem(at: dir) }
let store = try AlertStore(database: try StateDatabase(path: dir.appendingPathComponent("state.db").path))
let clock = ContinuousClock()
let now = Date()

print("DedupBench: release build, one SQLite file (WAL), batches of \(batchSize)")
let fillStart = clock.now
var i = 0
while i < total {
    let n = min(5_000, total - i)
    let reports = (i..<(i + n)).map { AlertReport(alert: alert($0), owner: "scans/0", receivedAt: now) }
    try store.apply(BatchWrite(reports: reports))
    i += n
}
let fillTime = seconds(clock.now - fillStart)
print(String(format: "  filled %d fingerprints in %.1f s (%.0f new alerts/s); RSS %.0f MB", total, fillTime, Double(total) / fillTime, rssMB()))

// Steady state: mostly duplicates (nightly re-scans), 2% new findings.
var rng = SystemRandomNumberGenerator()
var times: [Double] = []
var duplicates = 0
var decisions = 0
for b in 0..<batches {
    let reports = (0..<batchSize).map { k -> AlertReport in
        let id = k % 50 == 0 ? total + b * batchSize + k : Int.random(in: 0..<total, using: &rng)
        return AlertReport(alert: alert(id), owner: "scans/0", receivedAt: now.addingTimeInterval(Double(b)))
    }
    let start = clock.now
    let result = try store.apply(BatchWrite(reports: reports))
    times.append(seconds(clock.now - start))
    duplicates += result.transitions.filter { $0 == .duplicate }.count
    decisions += result.transitions.count
}
let overall = Double(decisions) / times.reduce(0, +)
times.sort()
let median = times[times.count / 2]
print(String(format: "  %d decisions (%d duplicates): median batch %.2f ms → %.0f decisions/s (p90 batch %.2f ms)",
             decisions, duplicates, median * 1000, Double(batchSize) / median, times[times.count * 9 / 10] * 1000))
print(String(format: "  overall, compactions included (max batch %.1f ms): %.0f decisions/s", times.last! * 1000, overall))
print(String(format: "  RSS at %d fingerprints: %.0f MB", total, rssMB()))

// The stored form of an alert: Klaxon's compact record against Foundation's JSONEncoder /
// JSONDecoder (what the store wrote before), on the same 100,000 alerts, median of 5 runs.
let sample = (0..<100_000).map(alert)
let jsonEncoder = JSONEncoder()
jsonEncoder.dateEncodingStrategy = .millisecondsSince1970
jsonEncoder.outputFormatting = .sortedKeys
var codecTimes: [(Double, Double, Double, Double)] = []
for _ in 0..<5 {
    var blobs: [Data] = []
    let e1 = seconds(clock.measure { blobs = sample.map(AlertCodec.encode) })
    let d1 = seconds(clock.measure { for b in blobs { _ = try? AlertCodec.decode(b) } })
    var docs: [Data] = []
    let e2 = seconds(clock.measure { docs = sample.compactMap { try? jsonEncoder.encode($0) } })
    let d2 = seconds(clock.measure { for d in docs { _ = try? JSONDecoder().decode(Alert.self, from: d) } })
    codecTimes.append((e1, d1, e2, d2))
}
func med(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
let (enc, dec, jenc, jdec) = (med(codecTimes.map(\.0)), med(codecTimes.map(\.1)), med(codecTimes.map(\.2)), med(codecTimes.map(\.3)))
print(String(format: "  stored form, 100k alerts: compact record encode %.2f µs, decode %.2f µs; JSONEncoder %.2f µs, JSONDecoder %.2f µs (%.1fx, %.1fx)",
             enc * 10, dec * 10, jenc * 10, jdec * 10, jenc / enc, jdec / dec))
