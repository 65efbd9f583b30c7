#if canImport(Glibc)
@preconcurrency import Glibc  // `stdout` is a C global; only `setvbuf` below touches it, at start-up
#endif
import Foundation
import Logging

enum LoggingSetup {
    /// Logs go to stderr so stdout stays for command output (tables, addresses, JSON).
    static func bootstrap(_ options: LoggingOptions, default fallback: Logger.Level = .info) -> Logger {
        // Long-running commands print addresses that a script reads while they run: line
        // buffering makes each line visible at once when stdout is a file or a pipe.
        setvbuf(stdout, nil, _IOLBF, 0)
        let name = options.logLevel ?? ProcessInfo.processInfo.environment["KLAXON_LOG_LEVEL"]
        let level = name.flatMap(Logger.Level.init(rawValue:)) ?? fallback
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
        return Logger(label: "klaxon")
    }
}

/// Prints to stderr and exits non-zero, for errors the user must fix.
func fail(_ message: String, code: Int32 = 1) -> Never {
    FileHandle.standardError.write(Data((ErrorText.prefixed(message) + "\n").utf8))
    exit(code)
}
