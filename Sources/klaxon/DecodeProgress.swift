import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Progress of `klaxon decode` on a large input, on one rewritten stderr line. Shown only when
/// stderr is a terminal and the input is larger than `threshold`: piped or redirected stderr
/// (CI logs, `2>file`) gets nothing but the usual summary line.
final class DecodeProgress: @unchecked Sendable {
    // @unchecked: `lock` guards `shown`; the ticker task and the decoding task both call in.
    /// Inputs above this size (bytes, 10 MB) show progress.
    static let threshold = 10_000_000

    private let terminal: Bool
    private let lock = NSLock()
    private var shown = false

    init(terminal: Bool = isatty(STDERR_FILENO) == 1) {
        self.terminal = terminal
    }

    /// Whether an input of `bytes` (so far) gets progress.
    func applies(to bytes: Int) -> Bool { terminal && bytes > Self.threshold }

    /// `reading 12.3/40.0 MB (30%)`, or without a total for stdin.
    func reading(_ done: Int, of total: Int?) {
        guard applies(to: total ?? done) else { return }
        if let total, total > 0 {
            show("reading \(Self.mb(done))/\(Self.mb(total)) MB (\(done * 100 / total)%)")
        } else {
            show("reading \(Self.mb(done)) MB")
        }
    }

    /// `decoding 40.0 MB … 2.4s` while the (single, synchronous) decode call runs.
    func decoding(_ bytes: Int, elapsed: Duration) {
        guard applies(to: bytes) else { return }
        let tenths = elapsed.components.seconds * 10 + elapsed.components.attoseconds / 100_000_000_000_000_000
        show("decoding \(Self.mb(bytes)) MB … \(tenths / 10).\(tenths % 10)s")
    }

    /// Clears the progress line, so the summary that follows starts on a clean line.
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        guard shown else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        shown = false
    }

    private func show(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
        shown = true
    }

    static func mb(_ bytes: Int) -> String {
        let tenths = bytes / 100_000
        return "\(tenths / 10).\(tenths % 10)"
    }
}
