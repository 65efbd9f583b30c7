import Foundation
import KlaxonCore
import KlaxonDelivery
import KlaxonKafka
import KlaxonStore
import Logging

/// Builds one sink per integration of every receiver. Secrets referenced by file or env are
/// read here, once, and never logged; an `http_config` or secret that cannot be honoured is a
/// `ConfigFailure` naming the receiver and integration. Integrations Klaxon cannot deliver to
/// yet (`email_configs`, …) are reported as warnings and get no sink.
enum SinkFactory {
    struct Built {
        /// Keyed `receiver/integration`.
        var sinks: [String: any AlertSink] = [:]
        /// Integrations per receiver.
        var integrations: [String: [Integration]] = [:]
        var warnings: [String] = []
        /// Keyed by the receiver whose undeliverable notifications go to the fallback.
        var fallbacks: [String: OutboxDispatcher.Fallback] = [:]
    }

    /// - Parameter slackThreads: where Slack bot messages are remembered (required by `slack_configs` with `app_token`).
    static func build(
        _ routing: RoutingConfig, producer: KafkaProducer, environment: [String: String], slackThreads: SlackThreadStore? = nil
    ) throws -> Built {
        var built = Built()
        for receiver in routing.receivers {
            var names: [Integration] = []
            func add(_ name: String, sendResolved: Bool, acknowledges: Bool = true, _ make: () throws -> any AlertSink) throws {
                do {
                    built.sinks["\(receiver.name)/\(name)"] = try make()
                } catch {
                    throw ConfigFailure("receiver \(receiver.name): \(name): \(error)")
                }
                names.append(Integration(name: name, sendResolved: sendResolved, acknowledges: acknowledges))
            }
            for (i, f) in receiver.fileConfigs.enumerated() {
                try add("file[\(i)]", sendResolved: f.sendResolved) { FileSink(config: f) }
            }
            for (i, w) in receiver.webhookConfigs.enumerated() {
                try add("webhook[\(i)]", sendResolved: w.sendResolved) { try webhook(w, environment: environment) }
            }
            for (i, k) in receiver.kafkaConfigs.enumerated() {
                try add("kafka[\(i)]", sendResolved: k.sendResolved) { KafkaSink(producer: producer, topic: k.topic, keyLabel: k.keyLabel) }
            }
            for (i, s) in receiver.snsConfigs.enumerated() {
                try add("sns[\(i)]", sendResolved: s.sendResolved) {
                    try SNSSink(config: s, environment: environment, transport: try awsTransport(s.httpConfig, url: s.apiURL))
                }
            }
            for (i, c) in receiver.cloudwatchLogsConfigs.enumerated() {
                try add("cloudwatch_logs[\(i)]", sendResolved: c.sendResolved) {
                    try CloudWatchLogsSink(config: c, environment: environment, transport: try awsTransport(c.httpConfig, url: c.apiURL))
                }
            }
            for (i, c) in receiver.securityHubConfigs.enumerated() {
                // Workflow.Status cannot be set through BatchImportFindings: no acknowledgements.
                try add("securityhub[\(i)]", sendResolved: c.sendResolved, acknowledges: false) {
                    try SecurityHubSink(config: c, environment: environment, transport: try awsTransport(c.httpConfig, url: c.apiURL))
                }
            }
            for (i, p) in receiver.pagerdutyConfigs.enumerated() {
                try add("pagerduty[\(i)]", sendResolved: p.sendResolved) { try pagerduty(p) }
            }
            for (i, s) in receiver.slackConfigs.enumerated() {
                try add("slack[\(i)]", sendResolved: s.sendResolved) { try slack(s, threads: slackThreads) }
            }
            for kind in receiver.unsupportedKinds {
                built.warnings.append("receiver \(receiver.name): \(kind) are not delivered by this version of Klaxon")
            }
            built.integrations[receiver.name] = names
        }
        for receiver in routing.receivers {
            guard let name = receiver.fallbackReceiver else { continue }
            built.fallbacks[receiver.name] = OutboxDispatcher.Fallback(
                receiver: name, integrations: (built.integrations[name] ?? []).map { (name: $0.name, sendResolved: $0.sendResolved) })
        }
        return built
    }

    /// Reads a secret from a file (trimmed) or an environment variable; nil when neither is set.
    static func secret(file: String?, env: String?, environment: [String: String], what: String) throws -> String? {
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else { throw ConfigFailure("\(what): cannot read \(file)") }
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if let env {
            guard let value = environment[env], !value.isEmpty else { throw ConfigFailure("\(what): environment variable \(env) is not set") }
            return value
        }
        return nil
    }
}

/// One delivering integration of a receiver (`file[0]`, `webhook[1]`): one outbox row each,
/// so each retries on its own and a slow webhook never re-sends to a file that succeeded.
struct Integration: Sendable, Hashable {
    var name: String
    var sendResolved: Bool
    /// Whether an acknowledgement can be expressed on this channel (all but Security Hub).
    /// Acknowledgements go only where `sendResolved` is true too: an integration told of
    /// firing alerts only hears nothing after them.
    var acknowledges: Bool = true
}

/// A configuration problem found while wiring (not while parsing YAML).
public struct ConfigFailure: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ d: String) { description = d }
}
