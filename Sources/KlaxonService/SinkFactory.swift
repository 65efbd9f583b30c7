import Foundation
import KlaxonCore
import KlaxonDelivery
import KlaxonKafka
import Logging

/// Builds one sink per integration of every receiver. Secrets referenced by file or env are
/// read here, once, and never logged. Integrations Klaxon cannot deliver to yet are reported
/// as warnings and get no sink (alerts routed only to them are stored, not sent).
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

    static func build(_ routing: RoutingConfig, producer: KafkaProducer, environment: [String: String]) throws -> Built {
        var built = Built()
        for receiver in routing.receivers {
            var names: [Integration] = []
            func add(_ name: String, _ sink: any AlertSink, sendResolved: Bool) {
                built.sinks["\(receiver.name)/\(name)"] = sink
                names.append(Integration(name: name, sendResolved: sendResolved))
            }
            for (i, f) in receiver.fileConfigs.enumerated() {
                add("file[\(i)]", FileSink(config: f), sendResolved: f.sendResolved)
            }
            for (i, w) in receiver.webhookConfigs.enumerated() {
                let url = try w.url ?? secret(file: w.urlFile, env: nil, environment: environment, what: "receiver \(receiver.name) webhook url")
                guard let url else { throw ConfigFailure("receiver \(receiver.name): webhook_configs[\(i)] needs url or url_file") }
                let hmac = try secret(file: w.hmacSecretFile, env: w.hmacSecretEnv, environment: environment, what: "receiver \(receiver.name) hmac secret")
                let token = try w.httpConfig.credentials
                    ?? secret(file: w.httpConfig.credentialsFile, env: nil, environment: environment, what: "receiver \(receiver.name) credentials")
                add("webhook[\(i)]", WebhookSink(url: url, hmacSecret: hmac, bearerToken: token, maxAlerts: w.maxAlerts), sendResolved: w.sendResolved)
            }
            for (i, k) in receiver.kafkaConfigs.enumerated() {
                add("kafka[\(i)]", KafkaSink(producer: producer, topic: k.topic, keyLabel: k.keyLabel), sendResolved: k.sendResolved)
            }
            let pending = [
                ("sns_configs", receiver.snsConfigs.count), ("pagerduty_configs", receiver.pagerdutyConfigs.count),
                ("slack_configs", receiver.slackConfigs.count),
            ].filter { $0.1 > 0 }.map(\.0) + receiver.unsupportedKinds
            for kind in pending {
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
}

/// A configuration problem found while wiring (not while parsing YAML).
public struct ConfigFailure: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ d: String) { description = d }
}
