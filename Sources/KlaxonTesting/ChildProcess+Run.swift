import Foundation

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
