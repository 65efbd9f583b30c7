// `make chaos`: a bounded run of `klaxon run` under faults — kill -9 every few seconds while a
// stream of distinct events, copies and malformed messages is produced, the broker stopped and
// resumed, a receiver failing for 30 s and one that never answers — then checks that nothing
// was lost, that re-sends carry their first idempotency key, that every malformed message is a
// dead letter and that the service stopped only when killed. Prints each check and its counts;
// exits 1 if any failed.
//
//   swift build -c release --product klaxon --product Chaos && .build/release/Chaos [--events N] [--seconds S] [--kill-every S] [--seed N]
//
// `$KLAXON_BIN` picks the klaxon binary (default .build/release/klaxon).
import Foundation
import Logging

// The receivers' servers log their cancelled hangs at shutdown; the run reports through its checks.
LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .critical
    return handler
}
let binary = ProcessInfo.processInfo.environment["KLAXON_BIN"] ?? ".build/release/klaxon"
do {
    let plan = try ChaosPlan(arguments: Array(CommandLine.arguments.dropFirst()))
    guard FileManager.default.isExecutableFile(atPath: binary) else { throw ChaosFailure("\(binary) missing: swift build -c release --product klaxon") }
    let run = try ChaosRun(plan: plan, binary: binary)
    let checks = try await run.run()
    print("\nchaos: what was checked")
    for line in checks.report { print(line) }
    if checks.failures.isEmpty {
        print("chaos: all checks passed")
        try? FileManager.default.removeItem(at: run.dir)
    } else {
        print("chaos: \(checks.failures.count) check(s) failed; state and logs kept in \(run.dir.path)")
        exit(1)
    }
} catch {
    print("chaos: \(error)")
    exit(1)
}
