import Foundation
import KlaxonCore
import KlaxonDelivery
import KlaxonKafka
import KlaxonStore
import Logging
import Metrics

/// Reads the configuration again and, when it is valid, switches routing and sinks to it
/// without a restart. A bad config is refused, the old one keeps running, and
/// `klaxon_config_last_reload_successful` is 0 until a good one loads. Kafka and state settings
/// need a restart; a reload that changes them says so and applies the rest.
actor ConfigReloader {
    private let path: String?
    private let active: ActiveConfig
    private let environment: [String: String]
    private let producer: KafkaProducer
    private let grouping: GroupingEngine
    private let noise: NoiseGate
    private let dispatcher: OutboxDispatcher
    private let audit: AuditLog
    private let slackThreads: SlackThreadStore
    private let logger: Logger

    init(
        path: String?, active: ActiveConfig, environment: [String: String], producer: KafkaProducer,
        grouping: GroupingEngine, noise: NoiseGate, dispatcher: OutboxDispatcher, audit: AuditLog,
        slackThreads: SlackThreadStore, logger: Logger
    ) {
        self.slackThreads = slackThreads
        self.noise = noise
        self.path = path
        self.active = active
        self.environment = environment
        self.producer = producer
        self.grouping = grouping
        self.dispatcher = dispatcher
        self.audit = audit
        self.logger = logger
    }

    /// Records the start-up load as a successful one.
    func markLoaded() {
        Gauge(label: "klaxon_config_last_reload_successful").record(1)
        Gauge(label: "klaxon_config_last_reload_success_timestamp_seconds").record(Date().timeIntervalSince1970)
    }

    func reload(actor: String) async -> ReloadOutcome {
        let now = Date()
        guard let path else { return ReloadOutcome(ok: false, message: "this instance was not started from a config file") }
        do {
            let next = try LoadedConfig.load(path: path, environment: environment)
            let sinks = try SinkFactory.build(next.routing, producer: producer, environment: environment, slackThreads: slackThreads)
            // Sinks first: from the moment grouping routes to a new integration, its rows must find
            // a sink, or a dispatcher pass in between would mark them dead as "no longer
            // configured". Rows the old routing queues meanwhile for a removed integration end
            // that way anyway.
            let previous = dispatcher.currentSinks
            dispatcher.setSinks(sinks.sinks, fallbacks: sinks.fallbacks)
            do {
                try await grouping.reload(routing: next.routing, integrations: sinks.integrations, now: now)
            } catch {
                // Grouping kept the old routing: so do the sinks.
                dispatcher.setSinks(previous.sinks, fallbacks: previous.fallbacks)
                throw error
            }
            noise.reload(next.noise)
            var message = "loaded \(path) and \(next.routeFiles.count) route file(s)"
            // Service settings (kafka, state, http, lifecycle) stay as they started until a
            // restart: the snapshot keeps the ones in force, so the next reload says so again.
            var adopted = next
            adopted.service = active.current.config.service
            if next.service != adopted.service {
                message += "; kafka, state, http and lifecycle settings take effect at the next restart"
            }
            active.publish(adopted, integrations: sinks.integrations)
            Gauge(label: "klaxon_config_last_reload_successful").record(1)
            Gauge(label: "klaxon_config_last_reload_success_timestamp_seconds").record(now.timeIntervalSince1970)
            logger.notice("configuration reloaded", metadata: ["by": "\(actor)", "detail": "\(message)"])
            try? audit.record(actor: actor, action: "config.reload", subject: path, detail: message, at: now)
            return ReloadOutcome(ok: true, message: message)
        } catch {
            Gauge(label: "klaxon_config_last_reload_successful").record(0)
            logger.error("configuration reload refused; the previous configuration keeps running", metadata: ["error": "\(error)"])
            try? audit.record(actor: actor, action: "config.reload.failed", subject: path, detail: "\(error)", at: now)
            return ReloadOutcome(ok: false, message: "\(error)")
        }
    }
}
