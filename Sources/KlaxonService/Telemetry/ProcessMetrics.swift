import Foundation
import Prometheus
import Synchronization

/// The standard Prometheus process metrics (`process_cpu_seconds_total`,
/// `process_resident_memory_bytes`, `process_virtual_memory_bytes`, `process_open_fds`,
/// `process_start_time_seconds`), read from `/proc/self` at each scrape. On a system without
/// `/proc` the series stay at zero.
final class ProcessMetrics: Sendable {
    private let cpu: Counter
    private let resident: Gauge
    private let virtual: Gauge
    private let openFDs: Gauge
    private let startTime: Gauge
    /// CPU seconds already added to the counter (it only moves by deltas).
    private let cpuReported = Mutex(0.0)

    init(registry: PrometheusCollectorRegistry = Telemetry.registry) {
        cpu = registry.makeCounter(name: "process_cpu_seconds_total", labels: [], help: "Total user and system CPU time spent in seconds.")
        resident = registry.makeGauge(name: "process_resident_memory_bytes", labels: [], help: "Resident memory size in bytes.")
        virtual = registry.makeGauge(name: "process_virtual_memory_bytes", labels: [], help: "Virtual memory size in bytes.")
        openFDs = registry.makeGauge(name: "process_open_fds", labels: [], help: "Number of open file descriptors.")
        startTime = registry.makeGauge(
            name: "process_start_time_seconds", labels: [], help: "Start time of the process since unix epoch in seconds.")
    }

    func refresh() {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return }
        // Fields after the command name (which may hold spaces), numbered as in proc(5) from 3.
        let f = stat[stat.index(after: close)...].split(separator: " ").map(String.init)
        func field(_ n: Int) -> Double { n - 3 < f.count ? Double(f[n - 3]) ?? 0 : 0 }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let page = Double(sysconf(Int32(_SC_PAGESIZE)))
        let cpuNow = (field(14) + field(15)) / ticks
        let delta = cpuReported.withLock { reported -> Double in
            let d = max(cpuNow - reported, 0)
            reported += d
            return d
        }
        if delta > 0 { cpu.increment(by: delta) }
        virtual.set(field(23))
        resident.set(field(24) * page)
        if let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") { openFDs.set(Double(fds.count)) }
        if let uptime = try? String(contentsOfFile: "/proc/uptime", encoding: .utf8),
            let up = Double(uptime.split(separator: " ").first ?? "")
        {
            startTime.set(Date().timeIntervalSince1970 - up + field(22) / ticks)
        }
    }
}
