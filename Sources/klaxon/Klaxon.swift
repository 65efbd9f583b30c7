import ArgumentParser

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
}

/// Options every command that logs shares.
struct LoggingOptions: ParsableArguments {
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical. Default: $KLAXON_LOG_LEVEL or info.")
    var logLevel: String?
}
