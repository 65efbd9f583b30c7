import ArgumentParser
import KlaxonService

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Work with the service configuration.", subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate the service config and every route file it names; exit 1 on the first error.")

        @Option(name: .shortAndLong, help: "Service config file.")
        var config = "config/klaxon.yml"

        func run() async throws {
            let loaded: LoadedConfig
            do { loaded = try LoadedConfig.load(path: config) } catch { fail("\(error)") }
            for w in loaded.routing.warnings { print("warning: \(w)") }
            let receivers = loaded.routing.receivers.map(\.name).joined(separator: ", ")
            print("ok: \(config): \(loaded.service.kafka.topics.count) topic(s); routes \(loaded.routeFiles.joined(separator: ", ")): \(loaded.routing.route.allRoutes.count) route(s), receivers \(receivers)")
        }
    }
}
