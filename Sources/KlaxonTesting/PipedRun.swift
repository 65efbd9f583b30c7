import Foundation
import Synchronization

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
