import Foundation
import KlaxonCore
import KlaxonDelivery
import KlaxonKafka
import KlaxonStore
import Logging
import Metrics
import ServiceLifecycle
import UnixSignals

/// The running service, wired from a `LoadedConfig`: (embedded broker), consumer, producer,
/// state database, sinks, grouping, outbox dispatcher, ops/API HTTP server — one `ServiceGroup`.
public final class KlaxonApp: Sendable {
    public let config: LoadedConfig
    public let bootstrapServers: String
    /// Where the API and the web console listen, once the HTTP server runs (nil without `http.listen`).
    public let httpAddress: HTTPAddress
    public let store: AlertStore
    public let outbox: Outbox
    public let silences: SilenceStore
    public let audit: AuditLog
    public let ready = ReadyFlag()
    /// Config warnings (receivers that cannot be delivered to yet, ignored sections).
    public let warnings: [String]
    let grouping: GroupingEngine
    private let ingest: IngestService
    private let state: StateService
    private let dispatcher: OutboxDispatcher
    private let reloader: ConfigReloader
    private let producer: KafkaProducer
    private let group: ServiceGroup
    private let logger: Logger
    /// Present when `kafka.embedded: true`. Declared last so it is released after the
    /// clients that talk to it (stored properties are destroyed in declaration order).
    public let broker: EmbeddedBroker?

    /// Builds everything and, when embedded, starts the broker. Nothing is consumed until `run`.
    /// - Parameters:
    ///   - configPath: where `reload` reads the configuration again (SIGHUP, `POST /-/reload`).
    ///   - signals: shut down gracefully on SIGTERM and SIGINT and reload on SIGHUP (the CLI);
    ///     the demo drives shutdown itself.
    ///   - lifecycleNow: the time the lifecycle timers (resolve timeouts, SLAs, escalation) go by;
    ///     default the wall clock. Tests pass a virtual one.
    ///   - lifecycleInterval: how often those timers look (default 10 s).
    public init(
        config: LoadedConfig, configPath: String? = nil, signals: Bool = true,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        lifecycleNow: @escaping @Sendable () -> Date = { Date() }, lifecycleInterval: Duration = .seconds(10), logger: Logger
    ) throws {
        Telemetry.bootstrap()
        let k = config.service.kafka
        let broker: EmbeddedBroker?
        if k.embedded {
            let b = try EmbeddedBroker(topics: config.service.inputTopics.map(\.name) + [k.deadLetterTopic], partitions: 3)
            // One partition: one order for all control records, as `ControlTopic` creates it.
            try b.createTopic(k.controlTopic, partitions: 1)
            try b.createStateTopics(k)
            logger.notice("embedded Kafka broker listening", metadata: ["bootstrap": "\(b.bootstrapServers)"])
            broker = b
        } else {
            broker = nil
        }
        let bootstrap = broker?.bootstrapServers ?? k.brokers ?? ""
        var common = k.properties
        common["bootstrap.servers"] = bootstrap
        common["client.id"] = common["client.id"] ?? "klaxon"

        var producerProps = common
        // Dead letters carry the original bytes, up to the intake limit (librdkafka caps at 1e9).
        producerProps["message.max.bytes"] = producerProps["message.max.bytes"] ?? String(min(max(k.maxMessageBytes + (1 << 16), 1_000_000), 1_000_000_000))
        let producer = try KafkaProducer(properties: producerProps, logger: logger)
        // Room for a record batch's own framing under the cap.
        let maxRecordBytes = (Int(producerProps["message.max.bytes"] ?? "") ?? 1_000_000) - (1 << 16)
        let handOffProducer = try KafkaTransactionalProducer(
            properties: producerProps, transactionalID: Self.transactionalID(k, statePath: config.service.statePath), logger: logger)

        let changelogProducer = try KafkaTransactionalProducer(
            properties: producerProps, transactionalID: Self.transactionalID(k, statePath: config.service.statePath, stage: "state"), logger: logger)

        var consumerProps = common
        consumerProps["group.id"] = k.groupID
        // The inputs, and the topic the Alertmanager API's push produces to.
        let inputTopics = config.service.inputTopics
        let consumer = try KafkaConsumer(properties: consumerProps, topics: inputTopics.map(\.name), logger: logger)
        consumerProps["group.id"] = Self.stateGroupID(k)
        let stateConsumer = try KafkaConsumer(properties: consumerProps, topics: [k.alertsTopic], logger: logger)
        let partitioner = StatePartitioner(partitions: k.alertsPartitions)
        let database = try StateDatabase(path: config.service.statePath, synchronous: config.service.stateSynchronous)
        let store = try AlertStore(database: database)
        let outbox = Outbox(database: database)
        let silences = SilenceStore(database: database)
        let falsePositives = FalsePositiveStore(database: database)
        let control = ControlTopic(
            topic: k.controlTopic, reader: try KafkaTopicReader(properties: common, topic: k.controlTopic, logger: logger),
            producer: producer, applier: ControlApplier(silences: silences, falsePositives: falsePositives), logger: logger)
        let audit = AuditLog(database: database)
        let slackThreads = SlackThreadStore(database: database)
        let sinks = try SinkFactory.build(config.routing, producer: producer, environment: environment, slackThreads: slackThreads)
        let warnings = config.routing.warnings.map(\.description) + sinks.warnings
        for w in warnings { logger.warning("config: \(w)") }

        let dispatcher = OutboxDispatcher(
            outbox: outbox, sinks: sinks.sinks, settings: config.service.delivery, fallbacks: sinks.fallbacks, logger: logger)
        var processor = BatchProcessor(
            topics: inputTopics, maxMessageBytes: k.maxMessageBytes, defaultEnvironment: config.service.environment,
            severityOverrides: config.service.severityOverrides, identityOverrides: config.service.identityOverrides)
        processor.coverageKinds = config.service.coverage.kinds
        let coverage = CoverageStore(database: database)
        MetricsPriming.prime(
            topics: k.topics.map(\.name), sources: Array(Set(k.topics.map(\.format).filter { $0 != .auto }.map(\.rawValue))),
            integrations: sinks.integrations,
            escalationTiers: Dictionary(config.routing.escalationPolicies.map { ($0.name, $0.tiers.count) }, uniquingKeysWith: { a, _ in a }),
            falsePositiveRates: try falsePositives.rates())
        let noise = try NoiseGate(config: config.noise, falsePositives: falsePositives, thresholds: store.thresholds, partitioner: partitioner)
        let grouping = GroupingEngine(
            routing: config.routing, integrations: sinks.integrations, store: store, silences: silences, noise: noise, logger: logger,
            awaitsOwnership: true)
        let deadLetters = DeadLetterPublisher(producer: producer, topic: k.deadLetterTopic, logger: logger)
        let ingest = IngestService(
            consumer: consumer, producer: handOffProducer, processor: processor, partitioner: partitioner,
            maxRecordBytes: maxRecordBytes, deadLetters: deadLetters, settings: k, ready: ready, logger: logger)
        let changelog = StateChangelog(
            topic: k.changelogTopic, partitioner: partitioner, producer: changelogProducer, store: store,
            lifecycle: LifecycleChangelog(database: database), restoredThresholds: { noise.restoreThresholds($0) },
            outbox: outbox, restoredDeliveries: { dispatcher.nudge() },
            notificationLog: NotificationLogChangelog(database: database), restoredLog: { await grouping.takeRestoredLog($0) },
            readerProperties: common, maxRecordBytes: maxRecordBytes,
            ownerNotices: (OwnerNotices(database: database), k.alertsTopic), logger: logger)
        let active = ActiveConfig(config: config, integrations: sinks.integrations)
        let state = StateService(
            consumer: stateConsumer, partitioner: partitioner, store: store, changelog: changelog, deadLetters: deadLetters,
            grouping: grouping, noise: noise, settings: k, followUps: { FollowUpRouting(active.current.integrations) },
            nudgeDelivery: { dispatcher.nudge() }, logger: logger)
        ready.setProbe {
            var problems: [String] = []
            if !(await consumer.brokerAnswers()) { problems.append("no Kafka broker answers at \(bootstrap)") }
            for c in [consumer, stateConsumer] where c.assignment.isEmpty {
                problems.append("no partition of \(c.topics.joined(separator: ", ")) is assigned to this member of group \(c.groupID)")
            }
            return problems + ingest.problems + changelog.problems + control.problems
        }
        let reloader = ConfigReloader(
            path: configPath, active: active, environment: environment, producer: producer, grouping: grouping,
            noise: noise, dispatcher: dispatcher, audit: audit, slackThreads: slackThreads, logger: logger)

        // Shutdown runs in reverse: ingest stops first (finishes its hand-off), then state (its
        // batch written and committed), then the HTTP server, then grouping flushes what is
        // due, then delivery makes its last pass.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: DeliveryService(dispatcher: dispatcher)),
            .init(service: GroupingService(grouping: grouping, dispatcher: dispatcher, logger: logger)),
        ]
        if signals { services.append(.init(service: ReloadOnSignal(reloader: reloader))) }
        control.onReload { request in _ = await reloader.reload(actor: "\(request.by) (through \(request.host.isEmpty ? "another instance" : request.host))") }
        var sweeper = LifecycleSweeper(
            store: store, history: AlertHistory(database: database), config: config.service.lifecycle,
            // Grouping's timers run on the wall clock, whatever time the lifecycle timers go by.
            resolved: { states, _ in await grouping.add(states, now: Date()) }, escalations: EscalationStore(database: database),
            routingNow: { active.current.escalation }, delivered: { dispatcher.nudge() }, logger: logger)
        sweeper.ownership = state.ownership
        sweeper.coverage = CoverageSweeper(
            coverage: coverage, store: store, config: config.service.coverage, noise: noise,
            grouping: { states, _ in await grouping.add(states, now: Date()) }, logger: logger)
        services.append(.init(service: LifecycleTimerService(
            sweeper: sweeper, clock: ContinuousClock(), now: lifecycleNow, interval: lifecycleInterval, logger: logger)))
        // Before the HTTP server, so it stops after it: a write in flight still sees its record applied.
        services.append(.init(service: control))
        services.append(.init(service: ChangelogFeed(
            topic: k.changelogTopic, readerProperties: common, grouping: grouping, noise: noise, outbox: outbox, owned: state.ownership.owned,
            logger: logger)))
        let address = HTTPAddress()
        if let listen = config.service.httpListen {
            let api = ApiDependencies(
                store: store, silences: silences, control: control, audit: audit, grouping: grouping, config: active, noise: noise,
                falsePositives: falsePositives,
                outbox: outbox, history: AlertHistory(database: database), nudgeDelivery: { dispatcher.nudge() },
                coverage: { [coverageConfig = config.service.coverage] now in try coverage.evaluate(coverageConfig, now: now) },
                token: try ApiToken(config: config.service, environment: environment),
                reload: { [controlTopic = k.controlTopic] actor in
                    let outcome = await reloader.reload(actor: actor)
                    guard outcome.ok else { return outcome }
                    do {
                        try await control.announceReload(by: actor, at: Date())
                        return ReloadOutcome(ok: true, message: outcome.message + "; every other instance was asked to reload (\(controlTopic))")
                    } catch {
                        return ReloadOutcome(
                            ok: true, message: outcome.message + "; the other instances were not asked (\(controlTopic) did not take it: \(error)): reload each")
                    }
                },
                breakerState: { dispatcher.lane($0)?.breakerState.rawValue },
                alertmanager: AlertmanagerV2Context(
                    push: AlertPushProducer(producer: producer, topic: config.service.alertmanagerAPI.ingestTopic),
                    config: config.service.alertmanagerAPI, groupID: k.groupID, bootstrap: bootstrap, startedAt: Date()),
                commands: AlertCommandForwarder(producer: producer, topic: k.alertsTopic, ownership: state.ownership))
            let telemetry = LifecycleTelemetry(
                census: AlertCensus(database: database), consumers: [consumer, stateConsumer],
                sources: Array(Set(inputTopics.map(\.format).filter { $0 != .auto }.map(\.rawValue))).sorted(),
                ownedPartitions: { [ownership = state.ownership] in ownership.owned().count },
                held: { [ownership = state.ownership] in ownership.heldNow() })
            services.append(.init(service: try OpsServer.make(
                listen: listen, idleTimeout: config.service.httpIdleTimeout, ready: ready, outbox: outbox, api: api,
                refresh: { await telemetry.refresh() }, bound: address, logger: logger)))
        }
        // Ingest stops before state, so state can take what ingest handed off last.
        services.append(.init(service: state))
        services.append(.init(service: ingest))
        var groupConfig = ServiceGroupConfiguration(services: services, logger: logger)
        if signals { groupConfig.gracefulShutdownSignals = [.sigterm, .sigint] }
        self.group = ServiceGroup(configuration: groupConfig)

        self.config = config
        self.grouping = grouping
        self.ingest = ingest
        self.state = state
        self.dispatcher = dispatcher
        self.reloader = reloader
        self.bootstrapServers = bootstrap
        self.httpAddress = address
        self.store = store
        self.outbox = outbox
        self.silences = silences
        self.audit = audit
        self.warnings = warnings
        self.producer = producer
        self.logger = logger
        self.broker = broker
    }

    /// Restores grouping from the state database, then runs until shutdown (a signal or
    /// `shutdown()`), then flushes the producer.
    public func run() async throws {
        // The probe's closure holds the stages that hold `ready`: a cycle, broken once they stop.
        defer { ready.clearProbe() }
        try await producer.use(closeTimeout: .seconds(5)) { _ in
            // Until the state stage knows its partitions (`Outbox.follow`): one that moved while
            // this process was down has a new owner, which may have sent them.
            let held = try outbox.holdCarried(until: Date().addingTimeInterval(StateService.ownerGrace))
            if held > 0 { logger.info("notifications carried to the changelog wait for this instance's partitions", metadata: ["count": "\(held)"]) }
            try await grouping.restore(now: Date())
            await reloader.markLoaded()
            try await group.run()
        }
    }

    /// The state stage's consumer group: its own, beside the raw topics' group.
    static func stateGroupID(_ k: KafkaSettings) -> String { "\(k.groupID).state" }

    /// Stable per instance (host and state file), so a restarted instance fences the zombie
    /// of its previous run, and distinct for two instances on one host.
    static func transactionalID(_ k: KafkaSettings, statePath: String, stage: String = "ingest") -> String {
        let host = ProcessInfo.processInfo.hostName
        let path = URL(fileURLWithPath: statePath).standardizedFileURL.path
        return "\(k.groupID).\(stage).\(Fingerprint(labels: ["host": host, "state": path]))"
    }

    /// Starts a graceful shutdown: the in-flight batch finishes and commits, then delivery
    /// makes a last pass.
    public func shutdown() async {
        await group.triggerGracefulShutdown()
    }

    /// Kafka records consumed and handed to grouping since start.
    public var recordsHandled: Int { state.handled.count }

    /// True when every alert received so far has had its first notification queued.
    public var groupsFlushed: Bool { get async { await grouping.isIdle } }
}

/// Reloads on SIGHUP until shutdown.
struct ReloadOnSignal: Service {
    let reloader: ConfigReloader

    func run() async throws {
        // The signal sequence never ends by itself; graceful shutdown ends the loop.
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            _ = await reloader.reload(actor: "SIGHUP")
        }
    }
}
