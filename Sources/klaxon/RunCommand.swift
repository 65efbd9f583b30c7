import ArgumentParser
import KlaxonService

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Consume the configured topics and route alerts until SIGTERM/SIGINT.")

    @Option(name: .shortAndLong, help: "Service config file.")
    var config = "config/klaxon.yml"

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        AllocatorPolicy.apply()
        let logger = LoggingSetup.bootstrap(logging)
        let loaded: LoadedConfig
        do { loaded = try LoadedConfig.load(path: config) } catch { fail("\(error)") }
        let app: KlaxonApp
        do { app = try KlaxonApp(config: loaded, configPath: config, logger: logger) } catch { fail("\(error)") }
        logger.info(
            "klaxon running",
            metadata: [
                "brokers": "\(app.bootstrapServers)", "topics": "\(loaded.service.inputTopics.map(\.name).joined(separator: ","))",
                "state": "\(loaded.service.statePath)", "routes": "\(loaded.routeFiles.joined(separator: ","))",
            ])
        try await app.run()
        logger.info("klaxon stopped")
    }
}
