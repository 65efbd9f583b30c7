import Foundation
import Testing
@testable import KlaxonCore

/// Access to the shared real-world samples in `../shared/fixtures` (never copied into the repo).
/// When the folder is missing, fixture tests are skipped, except under CI=true where they fail.
enum Fixtures {
    /// Package root is three levels above this file (Tests/KlaxonCoreTests/Fixtures.swift).
    /// Symlinks are resolved first, so a scratch package whose Tests folder links into the
    /// repository finds the repository's sibling `shared` folder.
    static let directory: URL = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("../shared/fixtures").standardizedFileURL

    static var available: Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDir) && isDir.boolValue
    }

    static var requiredByCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// Skip (trait) when fixtures are absent and CI is not set.
    static var enabled: Bool { available || requiredByCI }

    static func data(_ relative: String) throws -> Data {
        try Data(contentsOf: directory.appendingPathComponent(relative))
    }

    static func files(in folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent(folder).path)
            .filter { !$0.hasPrefix(".") }.sorted().map { "\(folder)/\($0)" }
    }

    static let context = DecodeContext(receivedAt: Date(timeIntervalSince1970: 1_750_000_000))

    static func decode(_ relative: String, format: InputFormat = .auto, context: DecodeContext = context) throws -> DecodedReport {
        try Decoders.decode(data(relative), format: format, context: context)
    }

    /// Klaxon's severity levels of the alerts, counted (the normalized level, not the label:
    /// Alertmanager-shaped alerts keep their own `severity` label).
    static func histogram(_ alerts: [Alert]) -> [String: Int] {
        alerts.reduce(into: [:]) { $0[$1.severity.name, default: 0] += 1 }
    }
}

@Suite struct FixtureAvailability {
    @Test func fixturesPresentUnderCI() {
        // Under CI the samples must be there; locally their absence only skips the fixture tests.
        #expect(Fixtures.available || !Fixtures.requiredByCI, "fixtures missing at \(Fixtures.directory.path)")
    }
}
