import Foundation
import GRDB

@testable import KlaxonStore

/// A state file as an older Klaxon left it, for upgrade tests: migrated up to `version`, with
/// `rows` written the way that version's store wrote them. Today's `StateDatabase` opens it.
struct OlderStateFile {
    let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("klaxon-older-\(UUID().uuidString.prefix(8))")
    var path: String { dir.appendingPathComponent("s.db").path }

    init(upTo version: String, rows: (Database) throws -> Void) throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        // Closed when this initializer returns, before a test opens the file again.
        let pool = try DatabasePool(path: path)
        try StateDatabase.migrator.migrate(pool, upTo: version)
        try pool.write(rows)
    }

    func remove() { try? FileManager.default.removeItem(at: dir) }
}
