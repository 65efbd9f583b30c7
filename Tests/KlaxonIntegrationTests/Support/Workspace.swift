import Foundation

/// A temp folder for one test's files, removed when the test drops it.
final class Workspace: @unchecked Sendable {
    // @unchecked: immutable after init; used from one test.
    let dir: URL

    init(_ name: String = "ws") throws {
        dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("klaxon-\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    /// Writes `text` to `name` in the folder; returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: dir) }
}
