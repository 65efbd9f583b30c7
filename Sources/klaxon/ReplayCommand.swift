import ArgumentParser
import Foundation
import KlaxonCore
import KlaxonKafka
import KlaxonService
import KlaxonStore
import Logging

/// `klaxon replay`: what a candidate configuration would have notified, compared with the
/// current one, over stored history or a topic range. Sends nothing.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay alert history through a candidate config and show what it would have changed, per receiver. Sends nothing.",
        discussion: """
            History comes from the state file (--state, default the current config's state.path), optionally only alerts \
            seen within --since; or from a topic range (--topic --from-offset [--to-offset]), decoded as the service decodes. \
            Exit 0 (also with changes, unless --fail-on-change), 1 with --fail-on-change when something changes, 2 on bad \
            input or configuration.
            """)

    @Option(help: "The candidate service config (klaxon.yml naming its route files).")
    var config: String

    @Option(help: "The current service config to compare with.")
    var against: String = "config/klaxon.yml"

    @Option(help: "Only alerts last seen within this long before now (e.g. 7d, 12h). Default: all stored alerts.")
    var since: String?

    @Option(help: "State file (SQLite) with the alert history and false-positive marks. Default: the current config's state.path.")
    var state: String?

    @Option(help: "Replay this topic's messages instead of the stored history.")
    var topic: String?

    @Option(help: "Bootstrap servers for --topic. Default: the current config's kafka.brokers, $KLAXON_BROKERS or localhost:9092.")
    var brokers: String?

    @Option(help: "First offset to replay (every partition).")
    var fromOffset: Int64?

    @Option(help: "Last offset to replay, inclusive (every partition). Default: everything there is.")
    var toOffset: Int64?

    @Option(help: "With --topic: stop after this long without a new message (e.g. 5s).")
    var idle: String = "5s"

    @Option(name: .shortAndLong, help: "Output: text or json.")
    var output: ReplayOutputFormat = .text

    @Flag(help: "Exit 1 when the candidate changes anything (for CI).")
    var failOnChange = false

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if topic == nil && (fromOffset != nil || toOffset != nil || brokers != nil) {
            throw ValidationError("--brokers, --from-offset and --to-offset go with --topic")
        }
        if topic != nil && since != nil { throw ValidationError("--since reads the state file; with --topic give --from-offset/--to-offset") }
        if topic != nil && fromOffset == nil { throw ValidationError("--topic needs --from-offset") }
        if let f = fromOffset, let t = toOffset, t < f { throw ValidationError("--to-offset is before --from-offset") }
    }

    func run() async throws {
        let logger = LoggingSetup.bootstrap(logging, default: .warning)
        let now = Date()
        let candidate: LoadedConfig, current: LoadedConfig
        do { candidate = try LoadedConfig.load(path: config) } catch { fail("\(error)", code: 2) }
        do { current = try LoadedConfig.load(path: against) } catch { fail("\(error)", code: 2) }
        let statePath = state ?? current.service.statePath
        let progress = ProgressLine()

        var falsePositives: Set<Fingerprint> = []
        let events: [ReplayEvent]
        if let topic {
            events = await topicEvents(topic, settings: current.service, progress: progress, logger: logger)
            if FileManager.default.fileExists(atPath: statePath) { falsePositives = readFalsePositives(statePath) }
        } else {
            guard FileManager.default.fileExists(atPath: statePath) else { fail("no state file at \(statePath)", code: 2) }
            var cutoff: Date?
            if let since {
                guard let d = ConfigDuration.parse(since) else { fail("--since: expected a duration like 7d or 12h, got \(since)", code: 2) }
                cutoff = now.addingTimeInterval(-Double(d.components.seconds))
            }
            let states: [AlertState]
            do { states = try AlertStore(database: try StateDatabase(path: statePath)).states(limit: Int.max) } catch {
                fail("cannot read \(statePath): \(error)", code: 2)
            }
            events = ReplayHistory.events(from: states, since: cutoff)
            falsePositives = readFalsePositives(statePath)
        }

        func side(_ c: LoadedConfig) -> ReplayConfig {
            ReplayConfig(routing: c.routing, noise: c.noise, severityOverrides: c.service.severityOverrides,
                         identityOverrides: c.service.identityOverrides, falsePositives: falsePositives)
        }
        let total = events.count * 2
        let before = ReplaySimulator(config: side(current)).run(events) { progress.show("replaying", $0, of: total) }
        let after = ReplaySimulator(config: side(candidate)).run(events) { progress.show("replaying", events.count + $0, of: total) }
        progress.finish()
        let diff = ReplayDiff(current: before, candidate: after, eventCount: events.count)
        switch output {
        case .text: print(ReplayReport.text(diff))
        case .json: FileHandle.standardOutput.write(ReplayReport.json(diff) + Data("\n".utf8))
        }
        if failOnChange && diff.hasChanges { throw ExitCode(1) }
    }

    private func readFalsePositives(_ path: String) -> Set<Fingerprint> {
        do { return Set(try FalsePositiveStore(database: try StateDatabase(path: path)).all().map(\.fingerprint)) } catch {
            fail("cannot read false positives from \(path): \(error)", code: 2)
        }
    }

    /// Consumes `topic` from the beginning with a fresh consumer group (committing nothing),
    /// keeps the offsets in range and decodes them as ingest does; undecodable ones are counted.
    private func topicEvents(_ topic: String, settings: ServiceConfig, progress: ProgressLine, logger: Logger) async -> [ReplayEvent] {
        guard let idleFor = ConfigDuration.parse(idle) else { fail("--idle: expected a duration like 5s, got \(idle)", code: 2) }
        let from = fromOffset ?? 0
        var props = settings.kafka.properties
        props["bootstrap.servers"] = brokers ?? settings.kafka.brokers ?? ProcessInfo.processInfo.environment["KLAXON_BROKERS"] ?? "localhost:9092"
        props["group.id"] = "klaxon-replay-\(UUID().uuidString.prefix(8))"
        props["auto.offset.reset"] = "earliest"
        let consumer: KafkaConsumer
        do { consumer = try KafkaConsumer(properties: props, topics: [topic], logger: logger) } catch {
            fail("cannot consume \(topic): \(error)", code: 2)
        }
        let processor = BatchProcessor(
            topics: settings.inputTopics, maxMessageBytes: settings.kafka.maxMessageBytes, defaultEnvironment: settings.environment)
        var reports: [(report: DecodedReport, at: Date)] = []
        var undecodable = 0
        var reached: [Int32: Int64] = [:]
        var lastRecord = ContinuousClock.now
        do {
            while true {
                let batch = try await consumer.poll(maxRecords: 500, maxWait: .milliseconds(250))
                if !batch.isEmpty { lastRecord = .now }
                for record in batch {
                    reached[record.partition] = max(reached[record.partition] ?? -1, record.offset)
                    guard record.offset >= from, toOffset.map({ record.offset <= $0 }) ?? true else { continue }
                    let at = record.timestamp ?? Date()
                    switch processor.decode(record, now: at) {
                    case .success(let report): reports.append((report, at))
                    case .failure: undecodable += 1
                    }
                }
                progress.show("reading \(topic)", reports.count + undecodable, of: nil)
                let assigned = consumer.assignment.filter { $0.topic == topic }
                if let to = toOffset, !assigned.isEmpty, assigned.allSatisfy({ (reached[$0.partition] ?? -1) >= to }) { break }
                if ContinuousClock.now - lastRecord > idleFor + (assigned.isEmpty ? .seconds(30) : .zero) { break }
            }
        } catch { fail("consuming \(topic) failed: \(error)", code: 2) }
        await consumer.close()
        progress.finish()
        if undecodable > 0 { FileHandle.standardError.write(Data("skipped \(undecodable) undecodable message(s)\n".utf8)) }
        // Overrides are each side's own: the simulator applies them, so decode without.
        return ReplayHistory.events(from: reports.sorted { $0.at < $1.at })
    }
}

enum ReplayOutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
