import ArgumentParser
import KlaxonService

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the whole path locally: embedded broker, service, webhook receiver, sample events; print what went where.")

    @Option(name: .shortAndLong, help: "Service config (embedded broker).")
    var config = "config/klaxon.yml"

    @Option(help: "Folder with the sample events.")
    var samples = "samples/demo"

    @Flag(help: "Keep running after the table (Ctrl-C to stop).")
    var follow = false

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = LoggingSetup.bootstrap(logging, default: .warning)
        do {
            try await Demo.run(.init(configPath: config, samplesDir: samples, follow: follow), logger: logger)
        } catch {
            fail("\(error)")
        }
    }
}
