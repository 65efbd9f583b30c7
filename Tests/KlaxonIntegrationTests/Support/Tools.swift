import Foundation
import Testing

/// Paths to the binaries the integration tests run.
enum Tools {
    /// The package root, from this file's path (Tests/KlaxonIntegrationTests/Support/Tools.swift).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `klaxon` executable built beside the test bundle (or `$KLAXON_BIN`).
    static var klaxon: String {
        if let bin = ProcessInfo.processInfo.environment["KLAXON_BIN"] { return bin }
        let besideBundle = Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("klaxon").path
        if FileManager.default.isExecutableFile(atPath: besideBundle) { return besideBundle }
        return packageRoot.appendingPathComponent(".build/debug/klaxon").path
    }

    /// The `Chaos` harness (`make chaos`), built beside `klaxon`.
    static var chaos: String { URL(fileURLWithPath: klaxon).deletingLastPathComponent().appendingPathComponent("Chaos").path }

    /// An executable on PATH. The Makefile installs every tool the tests use, so a missing one
    /// is a failure (with the package to install), never a skip.
    static func require(_ name: String, package: String) throws -> String {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        Issue.record("\(name) is not installed: run `make deps` (apt-get install \(package))")
        throw MissingTool(name: name)
    }

    struct MissingTool: Error { let name: String }
}
