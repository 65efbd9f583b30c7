import Foundation

/// A temp folder for one test's files (`$TMPDIR/klaxon-NAME-XXXXXXXX`), removed when the
/// test drops it.
public final class Workspace: @unchecked Sendable {
    // @unchecked: immutable after init; used from one test.
    public let dir: URL

    public init(_ name: String = "ws") throws {
        dir = Self.uniqueURL(name)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    /// Writes `text` to `name` in the folder; returns its path.
    @discardableResult
    public func write(_ name: String, _ text: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    public func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// A fresh, not yet created path under the temp folder: `$TMPDIR/klaxon-NAME-XXXXXXXX`.
    public static func uniqueURL(_ name: String) -> URL {
        URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("klaxon-\(name)-\(UUID().uuidString.prefix(8))")
    }

    deinit { try? FileManager.default.removeItem(at: dir) }
}
