import Foundation

/// With `$PIPELINEBENCH_MEMORY_LOG` set, appends a line per sample of a child's memory: its
/// resident set split into anonymous, file-backed and shared pages (`/proc/PID/status`), and its
/// thread count — to see what a peak RSS is made of, beyond what a heap profiler attributes.
struct MemorySampler {
    let path: String?
    let pid: Int32
    private let start = ContinuousClock.now

    init(pid: Int32) {
        self.pid = pid
        path = ProcessInfo.processInfo.environment["PIPELINEBENCH_MEMORY_LOG"]
        if let path {
            FileManager.default.createFile(atPath: path, contents: Data("seconds\tnote\tVmRSS\tVmHWM\tRssAnon\tRssFile\tRssShmem\tThreads (kB)\n".utf8))
        }
    }

    /// Appends one sample, tagged with `note` (e.g. the wave), when a log was asked for.
    func sample(_ note: String) {
        guard let path, let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let handle = FileHandle(forWritingAtPath: path)
        else { return }
        defer { try? handle.close() }
        var fields: [String: String] = [:]
        for line in status.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            fields[String(parts[0])] = parts[1].split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map(String.init)
        }
        let seconds = Harness.seconds(ContinuousClock.now - start)
        let values = ["VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem", "Threads"].map { fields[$0] ?? "?" }
        handle.seekToEndOfFile()
        handle.write(Data((String(format: "%.1f\t", seconds) + note + "\t" + values.joined(separator: "\t") + "\n").utf8))
    }
}
