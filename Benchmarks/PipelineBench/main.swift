// PipelineBench: Klaxon end to end (consume → decode → dedup → route → group → commit) against
// a bare librdkafka consumer (kcat) reading the same topic in the same run, and scanner fan-in
// at three report counts to show whether scan resolution is linear. Not a test; release build:
//   swift build -c release --product PipelineBench && .build/release/PipelineBench [throughput|fanin|latency|footprint|restore|scale|alertmanager|alertmanager-http|all] [events]
// Results: a table on stdout and JSON in Benchmarks/results/pipeline.json.
import Foundation
import KlaxonKafka
import KlaxonService
import Logging

let args = Array(CommandLine.arguments.dropFirst())
let mode = args.first ?? "all"
let events = args.count > 1 ? Int(args[1]) ?? 200_000 : 200_000
var logger = Logger(label: "bench")
logger.logLevel = .error
LoggingSystem.bootstrap { _ in SwiftLogNoOpLogHandler() }

// A run of one mode updates its own entry and keeps the others' last figures.
let out = URL(fileURLWithPath: "Benchmarks/results/pipeline.json")
var results = ((try? Data(contentsOf: out)).flatMap { try? JSONSerialization.jsonObject(with: $0) } as? [String: Any]) ?? [:]
results["machine"] = "\(ProcessInfo.processInfo.activeProcessorCount) cores"
// `all` measures every mode: each entry's date must say so, not keep an earlier single run's.
let started = ISO8601DateFormatter().string(from: Date())
let modes = ["throughput", "fanin", "latency", "footprint", "restore", "scale", "alertmanager"]  // `all` leaves alertmanager-http alone
for m in mode == "all" ? ["all"] + modes : [mode] { results["date_\(m)"] = started }
var rows: [(String, String)] = [] {
    didSet { if let last = rows.last { FileHandle.standardError.write(Data("  \(last.0): \(last.1)\n".utf8)) } }
}

if mode == "throughput" || mode == "all" {
    let r = try await Harness.throughput(events: events, logger: logger)
    results["throughput"] = r.json
    rows.append(("end to end, \(events) distinct Falco events, 64 partitions", String(format: "%.0f events/s (%.1f s)", r.klaxonRate, r.klaxonSeconds)))
    rows.append(("kcat -C on the same topic", String(format: "%.0f events/s (%.2f s)", r.kcatRate, r.kcatSeconds)))
    rows.append(("ratio Klaxon / kcat", String(format: "%.3f", r.klaxonRate / r.kcatRate)))
    rows.append(("peak RSS / SQLite size", String(format: "%.0f MB / %.0f MB", r.rssMB, r.dbMB)))
}
if mode == "fanin" || mode == "all" {
    var fanin: [[String: Any]] = []
    for reports in [50, 100, 200] {
        let r = try await Harness.fanIn(reports: reports, vulnerabilities: 200, logger: logger)
        fanin.append(r.json)
        rows.append(("fan-in \(reports) Trivy reports × 200", String(format: "%.0f alerts/s (the last %d reports in %.2f s)", r.rate, r.timedReports, r.seconds)))
    }
    results["fanin"] = fanin
}

if mode == "latency" || mode == "all" {
    let r = try await Latency.run(rate: 2_000, seconds: 30, logger: logger)
    results["latency"] = r.json
    rows.append(("produce → webhook at \(r.rate)/s for \(r.seconds) s", String(format: "p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d of %d delivered within 60 s of the last event)", r.p50, r.p99, r.max, r.delivered, r.expected)))
}

if mode == "footprint" || mode == "all" {
    let n = mode == "footprint" && args.count > 1 ? events : 1_000_000
    let r = try await Footprint.run(fingerprints: n, logger: logger)
    results["footprint"] = r.json
    rows.append(("footprint, \(n) distinct fingerprints, grouping on (group_interval \(Workload.groupInterval))", String(format: "peak RSS %.0f MB, SQLite %.0f MB (%.0f s)", r.rssMB, r.dbMB, r.seconds)))
}

if mode == "restore" || mode == "all" {
    let n = mode == "restore" && args.count > 1 ? events : 100_000
    let r = try await Restore.run(alerts: n, logger: logger)
    results["restore"] = r.json
    rows.append(("restore \(n) alerts from the changelog (\(r.records) records, \(Restore.partitions) partitions)",
                 String(format: "%.2f s (%.2f s per 100,000 records); launch to restored %.1f s; peak RSS %.0f MB", r.restoreSeconds, r.secondsPer100k,
                        r.launchSeconds, r.rssMB)))
}

if mode == "scale" || mode == "all" {
    // `scale [events]` (default 100,000); `$PIPELINEBENCH_ROUNDS` rounds of 1, 2, 3 instances (default 3).
    let n = mode == "scale" && args.count > 1 ? events : 100_000
    let rounds = Int(ProcessInfo.processInfo.environment["PIPELINEBENCH_ROUNDS"] ?? "") ?? 3
    var runs: [ScaleOut.Run] = []
    for round in 1...rounds {
        for instances in 1...3 {
            let r = try await ScaleOut.run(instances: instances, events: n, logger: logger)
            FileHandle.standardError.write(Data(String(format: "  scale round %d, %d instance(s): %.0f events/s (%.1f s; produced in %.1f s), handled %@, CPU-s %@, broker CPU-s %.1f\n",
                round, instances, r.rate, r.seconds, r.produceSeconds, "\(r.handled)", r.cpuSeconds.map { String(format: "%.1f", $0) }.joined(separator: "/"), r.brokerCPUSeconds).utf8))
            runs.append(r)
        }
    }
    let medians = ScaleOut.medians(runs)
    results["scale"] = ["rounds": rounds, "runs": runs.map(\.json), "medians": medians.map(\.json)]
    let one = medians.first { $0.instances == 1 }?.rate ?? .nan
    for m in medians {
        rows.append(("\(n) Falco events, \(m.instances) instance(s), median of \(rounds)",
                     String(format: "%.0f events/s = %.2f× one instance; CPU-s %@ + broker %.1f; peak RSS %@ MB", m.rate, m.rate / one,
                            m.cpuSeconds.map { String(format: "%.1f", $0) }.joined(separator: "/"), m.brokerCPUSeconds,
                            m.rssMB.map { String(format: "%.0f", $0) }.joined(separator: "/"))))
    }
}

if mode == "alertmanager" || mode == "alertmanager-http" || mode == "all" {
    // `alertmanager-http [alerts]`: Alertmanager against Klaxon over HTTP only (default 20,000).
    let http = mode == "alertmanager-http"
    let count = http && args.count > 1 ? events : 20_000
    var race: [[String: Any]] = []
    for inhibition in [false, true] {
        for side in try await AlertmanagerRace.run(alerts: count, inhibition: inhibition, timeout: .seconds(120), sides: http ? .http : .all, logger: logger) {
            var j = side.json
            j["inhibition"] = inhibition
            race.append(j)
            let time = side.seconds.map { String(format: "%.2f s", $0) } ?? "not done in 120 s"
            let pairs = side.pairSeconds.map { String(format: "%.2f s", $0) } ?? "not all"
            rows.append(("\(count) alerts, \(inhibition ? "inhibition on" : "no inhibition"): \(side.name)",
                         String(format: "groups %@, %.2f CPU-s, peak RSS %.0f MB (%d/%d groups); pairs %@ (%d/%d)", time, side.cpuSeconds, side.rssMB,
                                side.groups, side.expected, pairs, side.pairs, side.pairsExpected)))
        }
    }
    results[http ? "alertmanager_http" : "alertmanager"] = race
}

print("PipelineBench (release)")
let width = rows.map(\.0.count).max() ?? 0
for (k, v) in rows { print("  " + k.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + v) }
try? FileManager.default.createDirectory(at: out.deletingLastPathComponent(), withIntermediateDirectories: true)
try JSONSerialization.data(withJSONObject: results, options: [.prettyPrinted, .sortedKeys]).write(to: out)
