import Foundation

/// Crash points for testing durability: the service exits at once (no cleanup, like
/// `kill -9`) at the named point. `crash-before-commit`: the state stage wrote a batch and has
/// not committed its offsets. `crash-after-handoff`: the ingest stage's transaction committed
/// and the state stage may not have read it. Unset in production; the name is logged when hit.
enum Failpoint: String {
    case crashBeforeCommit = "crash-before-commit"
    case crashAfterHandOff = "crash-after-handoff"

    static let active: Failpoint? = ProcessInfo.processInfo.environment["KLAXON_FAILPOINT"].flatMap(Failpoint.init(rawValue:))

    static func hit(_ point: Failpoint) {
        guard active == point else { return }
        FileHandle.standardError.write(Data("klaxon: failpoint \(point.rawValue) hit, exiting hard\n".utf8))
        _exit(86)
    }
}
