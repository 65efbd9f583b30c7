import Foundation
import Testing

/// Finds `../shared/routing` next to the package root (three levels above this file).
enum RoutingFixtures {
    static var directory: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()   // KlaxonCoreTests
            .deletingLastPathComponent()   // Tests
            .deletingLastPathComponent()   // package root
            .deletingLastPathComponent()
            .appendingPathComponent("shared/routing")
    }

    static var isAvailable: Bool {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent("alertmanager.yml").path)
    }

    static var mustExist: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    static func text(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }
}
