import Foundation
import KlaxonTesting
import Testing

/// `ChildProcess.run`, the harness most integration tests run commands through: it must not
/// hold threads of the concurrency pool while children run, must drain stdout and stderr
/// together, and must end a child that runs past its timeout.
@Suite struct ChildProcessTests {
    /// More children than the pool has threads wait for a file that only this task creates,
    /// after an HTTP round trip to an in-process server. If a waiting run held a pool thread,
    /// the pool would be full of them, this task could not go on, and every child would run
    /// into its timeout.
    @Test func runningChildrenLeaveThePoolFreeForServersAndTests() async throws {
        let ws = try Workspace("child-pool")
        let go = ws.path("go")
        let children = 2 * ProcessInfo.processInfo.activeProcessorCount + 1
        let receiver = ScriptedReceiver()
        try await withStarted([receiver]) {
            try await withThrowingTaskGroup(of: (Int32, String, String).self) { group in
                for i in 0..<children {
                    group.addTask {
                        try await ChildProcess.run(
                            "/bin/sh", ["-c", "while [ ! -e \"$1\" ]; do sleep 0.05; done; echo child \(i)", "sh", go],
                            in: ws.dir, timeout: .seconds(120))
                    }
                }
                let (status, _) = try await HTTP.call("POST", receiver.url, json: ["while": "children wait"])
                #expect(status == 200)
                FileManager.default.createFile(atPath: go, contents: nil)
                var outs: [String] = []
                for try await (status, out, err) in group {
                    #expect(status == 0, "\(err)")
                    outs.append(out)
                }
                #expect(outs.count == children && outs.allSatisfy { $0.hasPrefix("child ") })
            }
        }
        #expect(receiver.requestCount == 1)
    }

    /// 200 KB on stderr before anything on stdout: reading one pipe to its end before the
    /// other would leave the child blocked on a full stderr pipe forever.
    @Test func stdoutAndStderrAreDrainedTogetherAndInputIsWritten() async throws {
        let ws = try Workspace("child-pipes")
        let script = "head -c 200000 /dev/zero | tr '\\0' e >&2; cat; echo; echo done"
        let (status, out, err) = try await ChildProcess.run("/bin/sh", ["-c", script], input: Data("hello".utf8), in: ws.dir)
        #expect(status == 0)
        #expect(out == "hello\ndone\n")
        #expect(err.count == 200_000 && err.allSatisfy { $0 == "e" })
    }

    @Test func aChildPastItsTimeoutIsKilledAndTheErrorCarriesItsStderr() async throws {
        let ws = try Workspace("child-timeout")
        let error = await #expect(throws: TimedOut.self) {
            _ = try await ChildProcess.run(
                "/bin/sh", ["-c", "echo $$ > pid; echo still starting >&2; exec sleep 600"], in: ws.dir, timeout: .seconds(3))
        }
        #expect(error?.description.contains("still starting") == true, "\(String(describing: error))")
        #expect(error?.description.contains("ran past") == true)
        let pid = try #require(Int32(try String(contentsOfFile: ws.path("pid"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        try await eventually("the child is gone", timeout: .seconds(30)) { kill(pid, 0) != 0 }
    }

    @Test func anExitStatusAndAMissingExecutableAreReported() async throws {
        let ws = try Workspace("child-status")
        let (status, _, err) = try await ChildProcess.run("/bin/sh", ["-c", "echo nope >&2; exit 3"], in: ws.dir)
        #expect(status == 3 && err == "nope\n")
        await #expect(throws: (any Error).self) {
            _ = try await ChildProcess.run(ws.path("no-such-tool"), [], in: ws.dir)
        }
    }
}
