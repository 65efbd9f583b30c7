import Foundation

/// Crash points for testing durability. `KLAXON_FAILPOINT=crash-before-commit` makes the
/// service exit at once (no cleanup, like `kill -9`) after a batch's effects are durable and
/// before its offsets are committed. Unset in production; the name is logged when set.
enum Failpoint: String {
    case crashBeforeCommit = "crash-before-commit"

    static let active: Failpoint? = ProcessInfo.processInfo.environment["KLAXON_FAILPOINT"].flatMap(Failpoint.init(rawValue:))

    static func hit(_ point: Failpoint) {
        guard active == point else { return }
        FileHandle.standardError.write(Data("klaxon: failpoint \(point.rawValue) hit, exiting hard\n".utf8))
        _exit(86)
    }
}
