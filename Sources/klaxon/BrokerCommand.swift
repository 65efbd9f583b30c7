import ArgumentParser
import Foundation
import KlaxonCore
import KlaxonKafka
import KlaxonService
import UnixSignals

struct BrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "Start librdkafka's Kafka-protocol test broker on loopback (dev only; state is in memory).",
        discussion: "Prints the bootstrap address as the first line of stdout, then runs until SIGINT/SIGTERM.")

    @Option(help: "Partitions for each topic created up front.")
    var partitions: Int32 = 3

    @Option(help: "Comma-separated topics to create up front; others are auto-created with 4 partitions.")
    var topics: String = ""

    @Option(help: "Klaxon's internal alerts topic, created up front (this broker has no CreateTopics); empty: none.")
    var alertsTopic: String = KafkaSettings().alertsTopic

    @Option(help: "Klaxon's state changelog topic, created up front with --alerts-partitions partitions; empty: none.")
    var changelogTopic: String = KafkaSettings().changelogTopic

    @Option(help: "Partitions of --alerts-topic and --changelog-topic (kafka.alerts_partitions).")
    var alertsPartitions: Int32 = KafkaSettings().alertsPartitions

    @Option(help: "Number of mock brokers.")
    var brokers: Int = 1

    @Option(help: "Fixed loopback port for the bootstrap address (default: a random one). The broker's metadata still names its own port for later connections.")
    var port: Int?

    func validate() throws {
        if let port, !(1...65535).contains(port) { throw ValidationError("--port must be 1-65535, got \(port)") }
    }

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        _ = LoggingSetup.bootstrap(logging, default: .warning)
        let names = topics.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let broker: EmbeddedBroker
        do {
            broker = try EmbeddedBroker(brokers: brokers, topics: names, partitions: partitions)
            if !alertsTopic.isEmpty { try broker.createTopic(alertsTopic, partitions: alertsPartitions) }
            if !changelogTopic.isEmpty { try broker.createTopic(changelogTopic, partitions: alertsPartitions) }
        } catch { fail("\(error)") }
        var forwarder: BrokerPortForwarder?
        if let port {
            let first = broker.bootstrapServers.split(separator: ",").first.map(String.init) ?? broker.bootstrapServers
            do { forwarder = try await BrokerPortForwarder.start(port: port, target: first) } catch { fail("\(error)") }
        }
        FileHandle.standardOutput.write(Data(((forwarder?.address ?? broker.bootstrapServers) + "\n").utf8))
        for await _ in await UnixSignalsSequence(trapping: .sigterm, .sigint) { break }
        await forwarder?.stop()
        withExtendedLifetime(broker) {}
    }
}
