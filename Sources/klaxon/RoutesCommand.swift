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
            discussion: """
                klaxon routes test --config routes severity=critical alertname=X
                klaxon routes test --config alertmanager.yml --tree --verify.receivers=pager severity=critical
                klaxon routes test --config routes --cases cases.yml
                Labels are read as amtool reads them: name=value or name="value"; other operators and
                bad label names are refused (exit 1).
                """)

        @OptionGroup var source: Source

        @Option(help: "YAML file of test cases; prints a pass/fail table and exits 1 on any failure.")
        var cases: String?

        @Flag(help: "Print the routes the label set walks (amtool's --tree) before the receivers.")
        var tree = false

        @Option(name: .customLong("verify.receivers"),
                help: "Comma-separated receivers, in order; exit 1 when the label set routes elsewhere (as amtool).")
        var verifyReceivers: String?

        @Argument(help: "Labels as name=value.")
        var labels: [String] = []

        func validate() throws {
            if cases != nil && (tree || verifyReceivers != nil || !labels.isEmpty) {
                throw ValidationError("--cases runs a cases file; labels, --tree and --verify.receivers go without it")
            }
        }

        func run() async throws {
            let routing = source.load()
            if let cases {
                let runner = RouteTestRunner(config: routing)
                let suite: RouteTestSuite
                do { suite = try RouteTestSuite.load(yaml: try LoadedConfig.readText(cases), file: cases) } catch { fail("\(error)") }
                let results = runner.run(suite, now: Date())
                print(RouteTestTable.render(results))
                let failed = results.filter { !$0.passed }.count
                print("\(results.count - failed) passed, \(failed) failed")
                if failed > 0 { throw ExitCode(1) }
                return
            }
            let set: [String: String]
            do { set = try RouteTestLabels.parse(labels) } catch { fail(error.message) }
            if tree {
                print("Matching routes:")
                print(routing.route.matchingTree(for: set))
                print("")
            }
            let receivers = routing.tree.receivers(for: set)
            print(receivers.joined(separator: ","))
            if let verifyReceivers, !verifyReceivers.isEmpty, !RouteTestLabels.verify(receivers, expected: verifyReceivers) {
                // amtool prints this on stdout too, after the receivers.
                print("WARNING: Expected receivers did not match resolved receivers.")
                throw ExitCode(1)
            }
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
