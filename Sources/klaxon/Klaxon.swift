import ArgumentParser
import Foundation

@main
struct Klaxon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "klaxon",
        abstract: "Security-alert router: Kafka in, deduplicated and routed notifications out.",
        subcommands: [
            RunCommand.self, DemoCommand.self, BrokerCommand.self, PublishCommand.self, DecodeCommand.self,
            ConfigCommand.self, RoutesCommand.self, SilenceCommand.self, AlertsCommand.self,
            SuppressionsCommand.self, GateCommand.self, ReplayCommand.self, ReportCommand.self, AuditCommand.self,
            DeliveriesCommand.self,
        ])

    /// ArgumentParser's `main`, with every error printed as `klaxon: error: …` (the prefix
    /// `fail` uses), so scripts and people see one shape whichever command failed.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            // Help, version and bare exit codes keep ArgumentParser's handling (stdout, no prefix).
            guard code != .success, !message.isEmpty, !(error is ExitCode) else { exit(withError: error) }
            FileHandle.standardError.write(Data((ErrorText.prefixed(message) + "\n").utf8))
            Foundation.exit(code.rawValue)
        }
    }
}

/// The one error shape of every command.
enum ErrorText {
    static let prefix = "klaxon: error: "

    /// `message` with the prefix, replacing ArgumentParser's `Error: ` when present.
    static func prefixed(_ message: String) -> String {
        let body = message.hasPrefix("Error: ") ? String(message.dropFirst("Error: ".count)) : message
        return prefix + body
    }
}

/// Options every command that logs shares.
struct LoggingOptions: ParsableArguments {
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical. Default: $KLAXON_LOG_LEVEL or info.")
    var logLevel: String?
}
