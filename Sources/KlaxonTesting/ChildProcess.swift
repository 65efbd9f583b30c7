import Foundation

/// A subprocess with stdout and stderr captured to files, so a test can read its output while
/// it runs and after it exits. Terminated (SIGKILL) in `deinit` if still running.
/// To run a command to completion, use `ChildProcess.run` instead.
public final class ChildProcess: @unchecked Sendable {
    // @unchecked: Process is not Sendable; this wrapper is used from one test at a time, and
    // everything it reads from Process (isRunning, the status, the pid) is thread-safe there.
    public let process = Process()
    public let stdoutURL: URL
    public let stderrURL: URL

    /// - Parameter logs: where the captured output goes (default `dir`); a process that must
    ///   run in the package root keeps its logs out of the checkout this way.
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], in dir: URL, logs: URL? = nil
    ) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.currentDirectoryURL = dir
        let id = UUID().uuidString.prefix(8)
        stdoutURL = (logs ?? dir).appendingPathComponent("stdout-\(id).log")
        stderrURL = (logs ?? dir).appendingPathComponent("stderr-\(id).log")
        FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// Everything the process wrote to stdout so far.
    public var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    /// Everything the process wrote to stderr so far.
    public var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }
    public var isRunning: Bool { process.isRunning }

    /// Sends a signal (SIGTERM by default) and waits up to `timeout` for the exit status.
    public func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(30)) async throws -> Int32 {
        if process.isRunning { kill(process.processIdentifier, signal) }
        return try await waitForExit(timeout: timeout)
    }

    /// Waits (polling every 50 ms, without blocking a thread) up to `timeout` for the exit
    /// status; past it the process is killed and `TimedOut` thrown with its stderr tail.
    public func waitForExit(timeout: Duration = .seconds(60)) async throws -> Int32 {
        let end = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > end {
                let stacks = await threadStacks()
                kill(process.processIdentifier, SIGKILL)
                throw TimedOut(what: "process \(process.arguments ?? []) did not exit; stderr:\n\(stderr.suffix(2000))\(stacks)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return process.terminationStatus
    }

    /// Every thread's stack of the still-running process, for the timeout's report (a hang
    /// seen once in a fresh-clone run could not be reproduced): gdb's `thread apply all bt`,
    /// 20 s at most; empty when gdb is not installed.
    func threadStacks() async -> String {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/gdb"), process.isRunning else { return "" }
        let gdb = try? await ChildProcess.run(
            "/usr/bin/gdb", ["-p", "\(process.processIdentifier)", "-batch", "-ex", "thread apply all bt 30"],
            in: URL(fileURLWithPath: NSTemporaryDirectory()), timeout: .seconds(20))
        guard let out = gdb?.1, !out.isEmpty else { return "" }
        let frames = out.split(separator: "\n").filter { $0.hasPrefix("Thread ") || $0.hasPrefix("#") }
        return "\nthreads (gdb):\n" + frames.joined(separator: "\n").prefix(12_000)
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
