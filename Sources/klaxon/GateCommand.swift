import ArgumentParser
import Foundation
import KlaxonCore
import KlaxonKafka
import KlaxonService
import KlaxonStore

/// `klaxon gate`: fail a CI step when a scan breaks the severity limits, after the router's own
/// overrides, ignore rules, environment thresholds and false-positive marks.
struct GateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate",
        abstract: "Fail a pipeline when a scan report breaks the severity limits (exit 1), after the router's suppressions.",
        discussion: """
            Limits, lowest precedence first: the application guide's policy (critical=0,high=0,medium=5,low=unlimited); \
            the config's gate: section, then its gate.environments entry; MAX_CRITICAL_VULNERABILITIES, \
            MAX_HIGH_VULNERABILITIES, MAX_MEDIUM_VULNERABILITIES, MAX_LOW_VULNERABILITIES and FAIL_ON_VULNERABILITIES; --max. \
            Exit 0: within limits (or FAIL_ON_VULNERABILITIES=false); 1: a limit is exceeded; 2: unreadable input or configuration.
            Example: trivy image -f json -o scan.json app:1.2 && klaxon gate --config klaxon.yml --environment prod scan.json
            """)

    @Option(help: "Limits as level=count, e.g. critical=0,high=0,medium=5,low=unlimited. Wins over everything else.")
    var max: String?

    @Option(help: "Service config (klaxon.yml): severity/identity overrides, gate: limits, and the route files' suppressions and environment_thresholds.")
    var config: String?

    @Option(help: "environment label for findings that carry none; also picks gate.environments. Default: the config's environment.")
    var environment: String?

    @Option(help: "Klaxon state file (SQLite) to read false-positive marks from.")
    var state: String?

    @Option(help: "A running Klaxon's URL to read false-positive marks from (GET /api/v1/false-positives).")
    var api: String?

    @Option(help: "Output: table, json, sarif or junit.")
    var format: GateOutputFormat = .table

    @Option(name: [.short, .customLong("output")], help: "Write the --format report to this file and print the table to stdout.")
    var output: String?

    @Option(help: "Input format, or auto to detect it: \(InputFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var inputFormat: String = "auto"

    @Flag(help: "Also publish each report's bytes to Kafka (--topic), so the router sees the same scan.")
    var publish = false

    @Option(help: "Topic for --publish.")
    var topic: String?

    @Option(help: "Bootstrap servers for --publish. Default: $KLAXON_BROKERS or localhost:9092.")
    var brokers: String?

    @Argument(help: "Report files (any format `klaxon decode` reads), or - for stdin.")
    var reports: [String] = ["-"]

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if publish && topic == nil { throw ValidationError("--publish needs --topic") }
        if !publish && topic != nil { throw ValidationError("--topic is only used with --publish") }
        if state != nil && api != nil { throw ValidationError("give --state or --api, not both") }
        if reports.filter({ $0 == "-" }).count > 1 { throw ValidationError("stdin (-) can be read once") }
    }

    func run() async throws {
        let logger = LoggingSetup.bootstrap(logging, default: .warning)
        let now = Date()
        guard let inputFormat = InputFormat(rawValue: inputFormat) else { fail("unknown --input-format \(self.inputFormat)", code: 2) }
        var loaded: LoadedConfig?
        if let config {
            do { loaded = try LoadedConfig.load(path: config) } catch { fail("\(error)", code: 2) }
        }
        let env = environment ?? loaded?.service.environment
        let limits: GateLimits
        do {
            limits = GateLimits.applicationGuide
                .applying(loaded?.service.gate.override(for: env) ?? GateLimitOverride())
                .applying(try GateLimitOverride.fromEnvironment(ProcessInfo.processInfo.environment))
                .applying(try max.map { try GateLimitOverride.parse(max: $0) } ?? GateLimitOverride())
        } catch { fail("\(error)", code: 2) }

        var inputs: [(name: String, data: Data)] = []
        for path in reports {
            if path == "-" {
                inputs.append(("stdin", FileHandle.standardInput.readDataToEndOfFile()))
            } else {
                guard let d = FileManager.default.contents(atPath: path) else { fail("cannot read \(path)", code: 2) }
                inputs.append((path, d))
            }
        }
        var decoded: [DecodedReport] = []
        for input in inputs {
            do {
                decoded.append(try Decoders.decode(input.data, format: inputFormat, context: DecodeContext(receivedAt: now, environment: env)))
            } catch { fail("\(input.name): \(error)", code: 2) }
        }

        let policy = GatePolicy(
            limits: limits,
            // Without a config there is nothing to mirror: no ignore rules, no environment thresholds.
            noise: loaded?.noise ?? NoiseConfig(environmentThresholds: [:]),
            severityOverrides: loaded?.service.severityOverrides ?? SeverityOverrides(),
            identityOverrides: loaded?.service.identityOverrides ?? IdentityOverrides(),
            falsePositives: await falsePositives())
        let result = policy.evaluate(decoded, environment: env, at: now)

        if publish, let topic {
            let headers = env.map { [KafkaHeader("klaxon-environment", $0)] } ?? []
            let summary = await PublishCommand.send(
                inputs.map { KafkaMessage(key: nil, value: $0.data, headers: headers) }, topic: topic, brokers: brokers,
                properties: [], logger: logger)
            FileHandle.standardError.write(Data("\(summary)\n".utf8))
        }

        let rendered = format.render(result)
        if let output {
            do { try rendered.write(to: URL(fileURLWithPath: output)) } catch { fail("cannot write \(output): \(error)", code: 2) }
            print(GateTable.render(result))
        } else {
            FileHandle.standardOutput.write(rendered)
            if format != .table { FileHandle.standardError.write(Data("gate: \(result.passed ? "PASSED" : "FAILED") — \(result.verdictText)\n".utf8)) }
        }
        if !result.passed { throw ExitCode(1) }
    }

    /// Marks from `--state` or `--api`, fingerprint → reason; none when neither is given.
    private func falsePositives() async -> [Fingerprint: String] {
        var marks: [Fingerprint: String] = [:]
        if let state {
            guard FileManager.default.fileExists(atPath: state) else { fail("no state file at \(state)", code: 2) }
            do {
                for m in try FalsePositiveStore(database: try StateDatabase(path: state)).all() {
                    marks[m.fingerprint] = "\(m.reason) (marked by \(m.markedBy))"
                }
            } catch { fail("cannot read false positives from \(state): \(error)", code: 2) }
        }
        if let api {
            do {
                let options = try ApiOptions.parse(["--url", api])
                let data = try await ApiClient(options: options).call("GET", "/api/v1/false-positives")
                guard let list = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
                    fail("\(api): unexpected answer to GET /api/v1/false-positives", code: 2)
                }
                for item in list {
                    guard let hex = item["fingerprint"] as? String, let fp = Fingerprint(hex: hex) else { continue }
                    marks[fp] = "\(item["reason"] as? String ?? "") (marked by \(item["markedBy"] as? String ?? "?"))"
                }
            } catch { fail("cannot read false positives from \(api): \(error)", code: 2) }
        }
        return marks
    }
}

enum GateOutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, sarif, junit

    func render(_ result: GateResult) -> Data {
        switch self {
        case .table: Data((GateTable.render(result) + "\n").utf8)
        case .json: GateJSON.encode(result) + Data("\n".utf8)
        case .sarif: GateSARIF.encode(result) + Data("\n".utf8)
        case .junit: GateJUnit.encode(result)
        }
    }
}
