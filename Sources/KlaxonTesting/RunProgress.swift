import Foundation
import Synchronization

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
