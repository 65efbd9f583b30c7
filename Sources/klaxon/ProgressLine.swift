import Foundation

/// A one-line progress display on stderr, only when stderr is a terminal.
final class ProgressLine {
    private let enabled = isatty(STDERR_FILENO) == 1
    private var lastDrawn = ContinuousClock.now - .seconds(1)
    private var drawn = false

    func show(_ what: String, _ done: Int, of total: Int?) {
        guard enabled, ContinuousClock.now - lastDrawn > .milliseconds(100) || done == total else { return }
        lastDrawn = .now
        drawn = true
        var line = "\r\(what): \(done)"
        if let total, total > 0 {
            let width = 30
            let filled = min(width, done * width / total)
            line = "\r\(what) [\(String(repeating: "#", count: filled))\(String(repeating: " ", count: width - filled))] \(done)/\(total)"
        }
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        guard enabled, drawn else { return }
        drawn = false
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
