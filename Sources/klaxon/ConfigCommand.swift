import ArgumentParser
import KlaxonCore
import KlaxonService

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Work with the service configuration.", subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate the service config and every route file it names, or one routing file (alertmanager.yml); exit 1 on the first error.")

        @Option(name: .shortAndLong, help: "Service config file.")
        var config = "config/klaxon.yml"

        func run() async throws {
            // A bare alertmanager.yml or routes file is checked as the routing file it is.
            if let text = try? LoadedConfig.readText(config), RoutingConfig.isRoutingDocument(yaml: text, file: config) {
                let routing: RoutingConfig
                do { routing = try LoadedConfig.loadRouting([config]).0 } catch { fail("\(error)") }
                for w in routing.warnings { print("warning: \(w)") }
                let receivers = routing.receivers.map(\.name).joined(separator: ", ")
                print("ok: \(config): routing file: \(routing.route.allRoutes.count) route(s), receivers \(receivers)")
                return
            }
            let loaded: LoadedConfig
            do { loaded = try LoadedConfig.load(path: config) } catch { fail("\(error)") }
            for w in loaded.routing.warnings { print("warning: \(w)") }
            let receivers = loaded.routing.receivers.map(\.name).joined(separator: ", ")
            print("ok: \(config): \(loaded.service.kafka.topics.count) topic(s); routes \(loaded.routeFiles.joined(separator: ", ")): \(loaded.routing.route.allRoutes.count) route(s), receivers \(receivers)")
        }
    }
}
