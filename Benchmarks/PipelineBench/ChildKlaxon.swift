import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `klaxon run` from the release build as a process of its own, so the memory and CPU it
/// reports are Klaxon's alone (the embedded broker, the producer and the receivers stay in
/// the bench process). Progress is read from its `/metrics`.
final class ChildKlaxon {
    /// `$KLAXON_BIN`, else the release build: set it to compare two builds side by side.
    static let binary = ProcessInfo.processInfo.environment["KLAXON_BIN"] ?? ".build/release/klaxon"
    let process = Process()
    let port: Int

    /// Starts `klaxon run` on `config` (a service config without `http:`; one is added). Logs
    /// at `logLevel` go to `logFile`, or nowhere.
    init(config: String, dir: String, logLevel: String = "error", logFile: String? = nil) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw BenchFailure("\(Self.binary) missing: swift build -c release --product klaxon")
        }
        port = try AlertmanagerRace.freePort()
        let path = dir + "/klaxon.yml"
        try (config + "\nhttp:\n  listen: 127.0.0.1:\(port)\n").write(toFile: path, atomically: true, encoding: .utf8)
        let args = ["run", "--config", path, "--log-level", logLevel]
        // A profiler around the child, e.g. PIPELINEBENCH_WRAP="heaptrack -o /tmp/klaxon"
        // (RSS and CPU figures are then the wrapper's, not Klaxon's).
        if let wrap = ProcessInfo.processInfo.environment["PIPELINEBENCH_WRAP"]?.split(separator: " ").map(String.init), let tool = wrap.first {
            process.executableURL = URL(fileURLWithPath: tool.hasPrefix("/") ? tool : "/usr/bin/\(tool)")
            process.arguments = Array(wrap.dropFirst()) + [Self.binary] + args
        } else {
            process.executableURL = URL(fileURLWithPath: Self.binary)
            process.arguments = args
        }
        process.standardOutput = FileHandle.nullDevice
        if let logFile {
            FileManager.default.createFile(atPath: logFile, contents: nil)
            process.standardError = FileHandle(forWritingAtPath: logFile)
        } else {
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
    }

    /// Whether `/readyz` answers 200.
    func ready() async -> Bool {
        guard let url = URL(string: "http://127.0.0.1:\(port)/readyz"),
            let (_, response) = try? await URLSession.shared.data(from: url)
        else { return false }
        return (response as? HTTPURLResponse)?.statusCode == 200
    }

    /// Records consumed and handed to grouping so far (0 until the API answers).
    func handled() async -> Int { Int(await metric("klaxon_messages_consumed_total")) }

    /// The sum of a metric's series on `/metrics` (0 until the API answers).
    func metric(_ name: String) async -> Double {
        guard let url = URL(string: "http://127.0.0.1:\(port)/metrics"),
            let (data, _) = try? await URLSession.shared.data(from: url)
        else { return 0 }
        var total = 0.0
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.hasPrefix(name + "{") || line.hasPrefix(name + " ") {
            total += Double(line.split(separator: " ").last ?? "0") ?? 0
        }
        return total
    }

    /// Peak resident memory so far (VmHWM), MB.
    var peakRSSMB: Double { AlertmanagerRace.peakRSS(process.processIdentifier) }

    /// User + system CPU seconds so far.
    var cpuSeconds: Double { AlertmanagerRace.cpu(process.processIdentifier) }

    /// SIGTERM (a graceful stop) and wait. A wrapper (`perf record`) does not pass the signal
    /// on: Klaxon under it gets its own.
    func stop() {
        if process.isRunning && ProcessInfo.processInfo.environment["PIPELINEBENCH_WRAP"] != nil {
            let pkill = Process()
            pkill.executableURL = URL(fileURLWithPath: "/usr/bin/pkill")
            pkill.arguments = ["-TERM", "-P", "\(process.processIdentifier)"]
            try? pkill.run()
            pkill.waitUntilExit()
        }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}
