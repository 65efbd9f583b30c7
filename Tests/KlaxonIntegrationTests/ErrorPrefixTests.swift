import Foundation
import KlaxonTesting
import Testing

/// Every command prints its errors one way: `klaxon: error: …` on stderr, exit non-zero.
@Suite struct ErrorPrefixTests {
    @Test(arguments: [
        (["decode", "--format", "nope", "x.json"], "klaxon: error: unknown format nope"),  // a validation error
        (["config", "check", "--config", "/nonexistent/klaxon.yml"], "klaxon: error: /nonexistent/klaxon.yml"),  // fail()
        (["silence", "list", "--url", "http://127.0.0.1:1"], "klaxon: error: cannot reach http://127.0.0.1:1"),  // a thrown error
        (["routes", "test", "--bogus"], "klaxon: error: Unknown option '--bogus'"),  // ArgumentParser's own
        (["alerts", "list", "--status", "gone"], "klaxon: error: --status must be one of"),
        (["routes", "test", "--config", "routes", "a-b=c"], "klaxon: error: Failed to parse labels: bad matcher format: a-b=c"),
    ])
    func errorsShareOnePrefix(_ args: [String], _ start: String) async throws {
        let (status, out, err) = try await ChildProcess.run(Tools.klaxon, args, in: Tools.packageRoot)
        #expect(status != 0)
        #expect(out.isEmpty)
        #expect(err.hasPrefix(start), "\(args): \(err)")
        #expect(!err.contains("Error: "), "\(args): \(err)")
    }

    @Test func helpIsNotAnError() async throws {
        let (status, out, err) = try await ChildProcess.run(Tools.klaxon, ["routes", "test", "--help"], in: Tools.packageRoot)
        #expect(status == 0)
        #expect(out.contains("--verify.receivers") && err.isEmpty)
    }
}
