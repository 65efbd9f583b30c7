import Foundation
import KlaxonTesting
import Testing

/// `klaxon demo` as a user runs it, with its output going to a file.
@Suite struct DemoTests {
    /// stdout to a file is block-buffered unless the CLI line-buffers it: the broker and API
    /// addresses must be readable while `--follow` keeps running.
    @Test func followPrintsItsAddressesWhileItRunsWithStdoutInAFile() async throws {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("klaxon-demo-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let demo = try ChildProcess(
            Tools.klaxon, ["demo", "--follow", "--config", Tools.packageRoot.appendingPathComponent("config/klaxon.yml").path,
                           "--samples", Tools.packageRoot.appendingPathComponent("samples/demo").path],
            environment: ["KLAXON_STATE_DIR": dir.path], in: Tools.packageRoot, logs: dir)
        try await eventually("demo prints that it follows", timeout: .seconds(120)) { demo.stdout.contains("following:") }
        #expect(demo.isRunning)
        #expect(demo.stdout.contains("messages published"))
        #expect(try await demo.stop() == 0, "stderr: \(demo.stderr.suffix(2000))")
    }

    /// `make run` as the README's first command: it ends with exit 0 and says nothing after its
    /// report but the closing line. Stages that outlived the app (a reference cycle through the
    /// readiness probe) kept transactional producers reconnecting to the stopped embedded
    /// broker, which printed librdkafka `FAIL … Connection refused` lines at the end.
    @Test func aRunEndsWithoutClientsCallingTheStoppedBroker() async throws {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("klaxon-demo-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let demo = try ChildProcess(
            Tools.klaxon, ["demo", "--config", Tools.packageRoot.appendingPathComponent("config/klaxon.yml").path,
                           "--samples", Tools.packageRoot.appendingPathComponent("samples/demo").path],
            environment: ["KLAXON_STATE_DIR": dir.path], in: Tools.packageRoot, logs: dir)
        #expect(try await demo.waitForExit() == 0, "stderr: \(demo.stderr.suffix(2000))")
        #expect(demo.stdout.contains("the demo stops now"))
        let calls = demo.stderr.split(separator: "\n").filter { $0.contains("Connection refused") }
        #expect(calls.isEmpty, "\(calls.count) line(s), the first: \(calls.first ?? "")")
    }
}
