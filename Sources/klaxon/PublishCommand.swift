import ArgumentParser
import Foundation
import KlaxonKafka
import Logging

struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish a file (or stdin) to a topic: as one message, or one message per line with --lines.",
        discussion: "Example: trivy image -f json app:1.2 | klaxon publish --topic security.scans")

    @Option(help: "Bootstrap servers. Default: $KLAXON_BROKERS or localhost:9092.")
    var brokers: String?

    @Option(help: "Topic to publish to.")
    var topic: String

    @Option(help: "Message key.")
    var key: String?

    @Option(name: .customLong("header"), help: "Header as name=value; repeatable.")
    var headers: [String] = []

    @Flag(help: "One message per non-empty line (JSON Lines).")
    var lines = false

    @Option(name: .customLong("property"), help: "librdkafka property as name=value; repeatable.")
    var properties: [String] = []

    @Argument(help: "File to publish, or - for stdin.")
    var file: String = "-"

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = LoggingSetup.bootstrap(logging, default: .warning)
        let data: Data
        if file == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let d = FileManager.default.contents(atPath: file) else { fail("cannot read \(file)") }
            data = d
        }
        let headerList = try headers.map { h -> KafkaHeader in
            guard let eq = h.firstIndex(of: "=") else { throw ValidationError("--header must be name=value, got \(h)") }
            return KafkaHeader(String(h[..<eq]), String(h[h.index(after: eq)...]))
        }
        let keyData = key.map { Data($0.utf8) }
        let bodies: [Data] = lines
            ? data.split(separator: UInt8(ascii: "\n")).map { Data($0) }.filter { !$0.allSatisfy { $0 == 0x20 || $0 == 0x0D || $0 == 0x09 } }
            : [data]
        let messages = bodies.map { KafkaMessage(key: keyData, value: $0, headers: headerList) }
        let summary = await Self.send(messages, topic: topic, brokers: brokers, properties: properties, logger: logger)
        FileHandle.standardError.write(Data("\(summary)\n".utf8))
    }

    /// Sends messages to `topic` and waits for the broker's acknowledgements; exits with an
    /// error when that fails. Shared by `publish` and `gate --publish`.
    /// - Returns: `published N message(s) to T (p0@12)`.
    static func send(
        _ messages: [KafkaMessage], topic: String, brokers: String?, properties: [String], logger: Logger
    ) async -> String {
        var props = ["bootstrap.servers": brokers ?? ProcessInfo.processInfo.environment["KLAXON_BROKERS"] ?? "localhost:9092"]
        for p in properties {
            guard let eq = p.firstIndex(of: "=") else { fail("--property must be name=value, got \(p)") }
            props[String(p[..<eq])] = String(p[p.index(after: eq)...])
        }
        props["message.timeout.ms"] = props["message.timeout.ms"] ?? "30000"
        let producer: KafkaProducer
        do { producer = try KafkaProducer(properties: props, logger: logger) } catch { fail("\(error)") }
        do {
            // `use` closes the producer (awaited) before returning or throwing; `fail` exits.
            let reports = try await producer.use { try await $0.sendAll(topic: topic, messages) }
            let where_ = Dictionary(grouping: reports, by: \.partition)
                .sorted { $0.key < $1.key }
                .map { "p\($0.key)@\($0.value.map(\.offset).min()!)" }
                .joined(separator: " ")
            return "published \(reports.count) message(s) to \(topic) (\(where_))"
        } catch {
            fail("publish to \(topic) failed: \(error)")
        }
    }
}
