import Foundation

/// A subprocess with stdout and stderr captured to files, so a test can read its output while
/// it runs and after it exits. Terminated (SIGKILL) in `deinit` if still running.
final class ChildProcess: @unchecked Sendable {
    // @unchecked: Process is not Sendable; this wrapper is used from one test at a time.
    let process = Process()
    let stdoutURL: URL
    let stderrURL: URL

    /// - Parameter logs: where the captured output goes (default `dir`); a process that must
    ///   run in the package root keeps its logs out of the checkout this way.
    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], in dir: URL, logs: URL? = nil) throws {
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

    var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }
    var isRunning: Bool { process.isRunning }

    /// Sends a signal (SIGTERM by default) and waits up to `timeout` for the exit status.
    func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(30)) async throws -> Int32 {
        if process.isRunning { kill(process.processIdentifier, signal) }
        return try await waitForExit(timeout: timeout)
    }

    func waitForExit(timeout: Duration = .seconds(60)) async throws -> Int32 {
        let end = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > end {
                kill(process.processIdentifier, SIGKILL)
                throw TimedOut(what: "process \(process.arguments ?? []) did not exit; stderr:\n\(stderr.suffix(2000))")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return process.terminationStatus
    }

    /// Runs to completion with stdin from `input`; returns (status, stdout, stderr).
    static func run(
        _ executable: String, _ arguments: [String], input: Data? = nil, environment: [String: String] = [:], in dir: URL
    ) throws -> (Int32, String, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        p.currentDirectoryURL = dir
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input == nil ? FileHandle.nullDevice : inp
        try p.run()
        if let input {
            inp.fileHandleForWriting.write(input)
            try inp.fileHandleForWriting.close()
        }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

struct TimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out: \(what)" }
}

/// Polls `condition` every 100 ms until it holds or `timeout` passes.
func eventually(
    _ what: String, timeout: Duration = .seconds(60), _ condition: () async throws -> Bool
) async throws {
    let end = ContinuousClock.now + timeout
    while ContinuousClock.now < end {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(100))
    }
    // One last look: on a loaded machine this task may have slept past the deadline while
    // the condition came true.
    if try await condition() { return }
    throw TimedOut(what: what)
}
