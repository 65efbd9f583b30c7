import Foundation
import KlaxonStore

extension StateDatabase {
    /// A fresh SQLite state file in a new temp folder (`$TMPDIR/klaxon-TAG-XXXXXXXX/state.db`),
    /// migrated; each test gets its own.
    public static func temporary(_ tag: String = "state") throws -> StateDatabase {
        try StateDatabase(path: Workspace.uniqueURL(tag).appendingPathComponent("state.db").path)
    }
}
