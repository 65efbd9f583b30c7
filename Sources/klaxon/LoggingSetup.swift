import Foundation
import Logging

enum LoggingSetup {
    /// Logs go to stderr so stdout stays for command output (tables, addresses, JSON).
    static func bootstrap(_ options: LoggingOptions, default fallback: Logger.Level = .info) -> Logger {
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
    FileHandle.standardError.write(Data("klaxon: \(message)\n".utf8))
    exit(code)
}
