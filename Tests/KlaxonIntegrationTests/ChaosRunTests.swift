import Foundation
import KlaxonTesting
import Testing

/// `make chaos`, small: the harness's checks against a real `klaxon run` killed with SIGKILL
/// while it consumes, a broker process stopped and resumed, a receiver failing for 30 s and one
/// that never answers, copies and malformed messages in the stream.
@Suite(.serialized) struct ChaosRunTests {
    @Test func killsAPausedBrokerAndBadInputLoseNothingAndResendUnderTheSameKey() async throws {
        let dir = FileManager.default.temporaryDirectory
        let (status, out, err) = try await ClusterLane.exclusive { try await ChildProcess.run(
            Tools.chaos,
            ["--events", "3000", "--duplicates", "300", "--malformed", "300", "--seconds", "12", "--kill-every", "5", "--deadline", "420"],
            environment: ["KLAXON_BIN": Tools.klaxon], in: dir, timeout: .seconds(600)) }
        #expect(status == 0, "chaos failed:\n\(out.suffix(3000))\n\(err.suffix(1000))")
        #expect(out.contains("chaos: all checks passed"))
        #expect(out.contains("ok   steady: all 3000 alerts delivered") && out.contains("ok   flaky: all 3000 alerts delivered"), "\(out.suffix(2000))")
        #expect(out.contains("ok   dead letters: 300 distinct origins for 300 malformed messages"), "\(out.suffix(2000))")
        #expect(out.contains("broker stopped (SIGSTOP)") && out.contains("broker resumed"))
        // At least one kill happened, and no exit of the service's own.
        let kills = out.split(separator: "\n").first { $0.contains("the service exited only when killed") }
        #expect(kills?.contains(" 0 exits of its own") == true && kills?.contains(" 0 kill -9") == false, "\(kills ?? "no line")")
    }

    /// The same with two instances in one group, a kill hitting either. (A group whose alerts
    /// fall on both is sent in two parts, which these checks do not see: docs/scaling.md.)
    @Test func twoInstancesKilledInTurnLoseNothingAndResendUnderTheSameKey() async throws {
        let dir = FileManager.default.temporaryDirectory
        let (status, out, err) = try await ClusterLane.exclusive { try await ChildProcess.run(
            Tools.chaos,
            ["--events", "3000", "--duplicates", "300", "--malformed", "300", "--seconds", "12", "--kill-every", "5", "--deadline", "420",
             "--instances", "2"],
            environment: ["KLAXON_BIN": Tools.klaxon], in: dir, timeout: .seconds(600)) }
        #expect(status == 0, "chaos failed:\n\(out.suffix(3000))\n\(err.suffix(1000))")
        #expect(out.contains("2 instance(s)") && out.contains("chaos: all checks passed"), "\(out.suffix(2000))")
        #expect(out.contains("ok   steady: all 3000 alerts delivered") && out.contains("ok   flaky: all 3000 alerts delivered"), "\(out.suffix(2000))")
        #expect(out.contains("ok   all 2 instances stopped cleanly on SIGTERM"), "\(out.suffix(2000))")
    }
}
