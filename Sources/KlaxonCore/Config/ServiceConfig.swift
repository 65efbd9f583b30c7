/// `config/klaxon.yml`: how the service reaches Kafka, where it keeps state, which route files
/// it loads. Every default below is what an omitted key means.
public struct ServiceConfig: Sendable, Hashable {
    public var kafka: KafkaSettings
    /// SQLite file for alert state and the outbox. Default `.klaxon/klaxon.db`.
    public var statePath: String
    /// `state.synchronous`: `normal` (default) keeps every commit through a crash of the
    /// process; `full` also syncs the WAL to disk at each commit, so a power loss keeps it too.
    public var stateSynchronous: StateSynchronous = .normal
    /// Route files or folders (every `*.yml`/`*.yaml` inside, sorted). Default `["routes"]`.
    public var routes: [String]
    /// `host:port` for `/metrics`, `/healthz`, `/readyz`; nil (default) serves nothing.
    public var httpListen: String?
    /// File holding the bearer token that state-changing API calls must present. Default nil.
    public var apiTokenFile: String?
    /// Environment variable holding that token when no file is set. Default `KLAXON_API_TOKEN`.
    /// With neither, state-changing API calls are refused.
    public var apiTokenEnv: String = "KLAXON_API_TOKEN"
    /// `environment` label for alerts that carry none (topic setting and header win). Default nil.
    public var environment: String?
    /// `delivery:`: retry, concurrency, breaker, rate limits (see `DeliverySettings`).
    public var delivery = DeliverySettings()
    /// `delivery.retry` (kept as its own name for callers that only retry).
    public var retry: RetryPolicy {
        get { delivery.retry }
        set { delivery.retry = newValue }
    }
    /// `http.idle_timeout`: an API connection that sends nothing for this long (a half-sent
    /// request included) is closed. Default 30 s.
    public var httpIdleTimeout: Duration = .seconds(30)
    /// Site-specific severities, applied after decoding (`severity_overrides:`).
    public var severityOverrides = SeverityOverrides()
    /// Site-specific fingerprint identities, applied after decoding (`identity_overrides:`).
    public var identityOverrides = IdentityOverrides()
    /// Limits for `klaxon gate` (`gate:`); empty keeps the application guide's policy.
    public var gate = GateConfig()
    /// Resolve timeouts and SLAs (`lifecycle:`).
    public var lifecycle = LifecycleConfig()
    /// Vulnerability coverage: schedules, tracked artifacts, `ScanOverdue` (`coverage:`).
    public var coverage = CoverageConfig()
    /// Alertmanager's API v2 (`alertmanager_api:`): ingest topic, read access, body limit.
    public var alertmanagerAPI = AlertmanagerAPIConfig()

    public init(
        kafka: KafkaSettings, statePath: String = ".klaxon/klaxon.db", routes: [String] = ["routes"],
        httpListen: String? = nil, environment: String? = nil, retry: RetryPolicy = RetryPolicy()
    ) {
        self.kafka = kafka
        self.statePath = statePath
        self.routes = routes
        self.httpListen = httpListen
        self.environment = environment
        self.delivery.retry = retry
    }
}

/// How far a state commit is synced before Klaxon goes on (SQLite's `synchronous` in WAL mode).
public enum StateSynchronous: String, Sendable, Hashable, CaseIterable {
    /// Survives a crash of the process; a power loss can take the last commits.
    case normal
    /// The WAL is synced at each commit: survives a power loss, costs an fsync per commit.
    case full
}

public struct KafkaSettings: Sendable, Hashable {
    /// Start librdkafka's in-process test broker and use it (dev and demo only). Default false.
    public var embedded: Bool
    /// `bootstrap.servers`; required unless `embedded`.
    public var brokers: String?
    /// Consumer group. Default `klaxon`.
    public var groupID: String
    public var topics: [TopicSettings]
    /// Where undecodable and oversized messages go. Default `klaxon.deadletter`.
    public var deadLetterTopic: String
    /// The compacted topic silences and false-positive marks are written to and every instance
    /// reads whole (created at start if missing, with `cleanup.policy=compact`, 1 partition).
    /// Default `klaxon.control`.
    public var controlTopic: String = "klaxon.control"
    /// The internal topic between the ingest and state stages: decoded alerts, partitioned by
    /// fingerprint (docs/scaling.md). Default `klaxon.alerts`.
    public var alertsTopic: String = "klaxon.alerts"
    /// Partitions of `alertsTopic` when Klaxon creates it: the most instances that can share
    /// the state stage. Fixed once state is keyed by it; a start against an existing topic with
    /// another count is refused. Default 12.
    public var alertsPartitions: Int32 = 12
    /// The compacted topic the state stage writes every changed alert's whole state to, keyed by
    /// fingerprint, one partition per `alertsTopic` partition: what the new owner of a
    /// partition restores (docs/scaling.md). Default `klaxon.state-changelog`.
    public var changelogTopic: String = "klaxon.state-changelog"
    /// Messages larger than this are dead-lettered unread. Default 16 MiB.
    public var maxMessageBytes: Int
    /// Largest batch handled (and committed) at once. Default 500.
    public var batchMaxRecords: Int
    /// How long a poll waits for the first message of a batch. Default 250 ms.
    public var batchMaxWait: Duration
    /// How long the state stage holds a batch that has only some of an input message's
    /// records, polling for the rest, so a report's alerts reach grouping together (the role of
    /// Kafka Streams' `max.task.idle.ms`). 0: apply records as polled. Default 5 s.
    public var batchReportWait: Duration = .seconds(5)
    /// librdkafka properties passed through as they are (SASL, SSL, tuning).
    public var properties: [String: String]

    public init(
        embedded: Bool = false, brokers: String? = nil, groupID: String = "klaxon", topics: [TopicSettings] = [],
        deadLetterTopic: String = "klaxon.deadletter", maxMessageBytes: Int = 16 << 20, batchMaxRecords: Int = 500,
        batchMaxWait: Duration = .milliseconds(250), properties: [String: String] = [:]
    ) {
        self.embedded = embedded
        self.brokers = brokers
        self.groupID = groupID
        self.topics = topics
        self.deadLetterTopic = deadLetterTopic
        self.maxMessageBytes = maxMessageBytes
        self.batchMaxRecords = batchMaxRecords
        self.batchMaxWait = batchMaxWait
        self.properties = properties
    }
}

public struct TopicSettings: Sendable, Hashable {
    public var name: String
    /// Default `auto`: detect the format from the content.
    public var format: InputFormat
    /// `environment` label for this topic's alerts (a `klaxon-environment` header wins).
    public var environment: String?
    /// Labels added to every alert from this topic, never overriding decoded ones.
    public var labels: [String: String]

    public init(name: String, format: InputFormat = .auto, environment: String? = nil, labels: [String: String] = [:]) {
        self.name = name
        self.format = format
        self.environment = environment
        self.labels = labels
    }
}
