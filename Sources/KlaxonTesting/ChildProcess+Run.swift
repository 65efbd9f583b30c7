import Foundation
import Synchronization

extension ChildProcess {
    /// Runs `executable` to completion and returns (exit status, stdout, stderr).
    ///
    /// Nothing here blocks a thread of Swift's cooperative pool (two threads on a 2-core
    /// machine, which the in-process servers of tests running beside need to answer): the
    /// pipes are read and `input` written on threads of their own, the exit arrives through
    /// `Process.terminationHandler`, and the caller is resumed through a continuation.
    /// - Parameters:
    ///   - input: written to the child's stdin, which is then closed (no stdin when nil).
    ///   - environment: added to (and overriding) this process's environment.
    ///   - timeout: default 300 s; past it the child is killed (SIGKILL) and `TimedOut` is
    ///     thrown with the tail of its stderr. Cancelling the calling task kills it too.
    public static func run(
        _ executable: String, _ arguments: [String], input: Data? = nil, environment: [String: String] = [:], in dir: URL,
        timeout: Duration = .seconds(300)
    ) async throws -> (Int32, String, String) {
        let run = try PipedRun(executable, arguments, environment: environment, in: dir, input: input)
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { run.collect(input: input, timeout: timeout, then: $0) }
        } onCancel: {
            run.kill()
        }
        try Task.checkCancellation()
        switch outcome {
        case .exited(let status):
            return (status, run.stdout, run.stderr)
        case .timedOut:
            throw TimedOut(what: "\(executable) \(arguments) ran past \(timeout); stderr:\n\(run.stderr.suffix(2000))")
        }
    }
}

/// One `ChildProcess.run`: the process, its pipes and the output read so far.
final class PipedRun: @unchecked Sendable {
    // @unchecked: `process` and the pipes are set up in `init`, before any other thread sees
    // this object, and only used through thread-safe calls afterwards (file handles); the
    // output read so far is behind Mutexes and the progress is its own Sendable object.
    enum Outcome: Sendable { case exited(Int32), timedOut }

    private let process = Process()
    private let out = Pipe(), err = Pipe(), inp = Pipe()
    private let output = Mutex(Data())
    private let errors = Mutex(Data())
    /// Held by the termination handler too (not `self`: no cycle through `process`).
    private let progress = RunProgress()

    init(_ executable: String, _ arguments: [String], environment: [String: String], in dir: URL, input: Data?) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.currentDirectoryURL = dir
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input == nil ? FileHandle.nullDevice : inp
        process.terminationHandler = { [progress] p in progress.exited(p.terminationStatus) }
        try process.run()
        progress.started(pid: process.processIdentifier)
    }

    var stdout: String { String(decoding: output.withLock { $0 }, as: UTF8.self) }
    var stderr: String { String(decoding: errors.withLock { $0 }, as: UTF8.self) }

    /// Starts the threads that feed stdin and drain stdout and stderr (both at once: a child
    /// blocked on a full stderr pipe would never close stdout), and the timeout.
    func collect(input: Data?, timeout: Duration, then continuation: CheckedContinuation<Outcome, Never>) {
        progress.waiting(continuation)
        if let input {
            let handle = inp.fileHandleForWriting
            Thread.detachNewThread { Self.write(input, to: handle) }
        }
        let errHandle = err.fileHandleForReading, outHandle = out.fileHandleForReading
        let stderrDone = DispatchSemaphore(value: 0)
        Thread.detachNewThread { [self] in
            Self.drain(errHandle, into: errors)
            stderrDone.signal()
        }
        Thread.detachNewThread { [self] in
            Self.drain(outHandle, into: output)
            // A dedicated thread, not the pool: waiting here is what this thread is for.
            stderrDone.wait()
            progress.outputEnded()
        }
        let (seconds, attoseconds) = timeout.components
        let nanos = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(nanos)) { [progress] in progress.timedOut() }
    }

    /// SIGKILL, unless the child has already been reaped.
    func kill() { progress.kill() }

    private static func drain(_ handle: FileHandle, into buffer: borrowing Mutex<Data>) {
        while let chunk = try? handle.read(upToCount: 64 << 10), !chunk.isEmpty {
            buffer.withLock { $0.append(chunk) }
        }
        try? handle.close()
    }

    /// Writes with SIGPIPE blocked on this thread, so a child that exits without reading its
    /// stdin ends the write with EPIPE instead of killing the test process.
    private static func write(_ data: Data, to handle: FileHandle) {
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)
        try? handle.write(contentsOf: data)
        try? handle.close()
    }
}

/// Where a `PipedRun` is: the caller resumes once the output has ended and the exit status
/// is known, or at the timeout, whichever comes first (exactly once).
final class RunProgress: Sendable {
    private struct State {
        var pid: Int32 = 0
        var continuation: CheckedContinuation<PipedRun.Outcome, Never>?
        var outputEnded = false
        var status: Int32?
    }

    private let state = Mutex(State())

    func started(pid: Int32) { state.withLock { $0.pid = pid } }

    func waiting(_ continuation: CheckedContinuation<PipedRun.Outcome, Never>) {
        state.withLock { $0.continuation = continuation }
        resumeIfDone()
    }

    func exited(_ status: Int32) {
        state.withLock { $0.status = status }
        resumeIfDone()
    }

    func outputEnded() {
        state.withLock { $0.outputEnded = true }
        resumeIfDone()
    }

    /// Kills the child and resumes at once: a grandchild holding the pipes open must not
    /// keep the test waiting past its timeout.
    func timedOut() {
        let resume = state.withLock { s -> CheckedContinuation<PipedRun.Outcome, Never>? in
            guard let c = s.continuation else { return nil }
            s.continuation = nil
            if s.status == nil { _ = Foundation.kill(s.pid, SIGKILL) }
            return c
        }
        resume?.resume(returning: .timedOut)
    }

    /// SIGKILL, unless the child has already been reaped (its pid may be reused then).
    func kill() {
        state.withLock { s in
            if s.status == nil, s.pid > 0 { _ = Foundation.kill(s.pid, SIGKILL) }
        }
    }

    private func resumeIfDone() {
        let resume = state.withLock { s -> (CheckedContinuation<PipedRun.Outcome, Never>, Int32)? in
            guard s.outputEnded, let status = s.status, let c = s.continuation else { return nil }
            s.continuation = nil
            return (c, status)
        }
        if let (c, status) = resume { c.resume(returning: .exited(status)) }
    }
}
