import ArgumentParser
import Foundation
import KlaxonCore
import KlaxonService

struct RoutesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "routes", abstract: "Test and show routing trees.", subcommands: [Test.self, Show.self])

    /// Route files: an alertmanager.yml, a routes file, or a folder of them.
    struct Source: ParsableArguments {
        @Option(name: .shortAndLong, help: "Route file, Alertmanager config, or folder of *.yml.")
        var config = "routes"

        func load() -> RoutingConfig {
            do { return try LoadedConfig.loadRouting([config]).0 } catch { fail("\(error)") }
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the receivers for a label set (as amtool config routes test does), or run a cases file.",
            discussion: "klaxon routes test --config routes severity=critical alertname=X\nklaxon routes test --config routes --cases cases.yml")

        @OptionGroup var source: Source

        @Option(help: "YAML file of test cases; prints a pass/fail table and exits 1 on any failure.")
        var cases: String?

        @Argument(help: "Labels as name=value.")
        var labels: [String] = []

        func run() async throws {
            let routing = source.load()
            let runner = RouteTestRunner(config: routing)
            if let cases {
                let suite: RouteTestSuite
                do { suite = try RouteTestSuite.load(yaml: try LoadedConfig.readText(cases), file: cases) } catch { fail("\(error)") }
                let results = runner.run(suite, now: Date())
                print(RouteTestTable.render(results))
                let failed = results.filter { !$0.passed }.count
                print("\(results.count - failed) passed, \(failed) failed")
                if failed > 0 { throw ExitCode(1) }
                return
            }
            var set: [String: String] = [:]
            for l in labels {
                guard let eq = l.firstIndex(of: "=") else { throw ValidationError("labels must be name=value, got \(l)") }
                set[String(l[..<eq])] = String(l[l.index(after: eq)...])
            }
            print(routing.tree.receivers(for: set).joined(separator: ","))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the routing tree with inherited settings.")

        @OptionGroup var source: Source

        func run() async throws {
            print(source.load().route.treeDescription)
        }
    }
}

/// Pass/fail table for route test results.
enum RouteTestTable {
    static func render(_ results: [RouteTestRunner.Result]) -> String {
        TextTable.render(
            ["RESULT", "CASE", "RECEIVERS", "FAILURES"],
            results.map { r in [r.passed ? "PASS" : "FAIL", r.name, r.receivers.joined(separator: ","), r.failures.joined(separator: "; ")] })
    }
}
