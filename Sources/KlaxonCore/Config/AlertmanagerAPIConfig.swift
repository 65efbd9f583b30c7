/// `alertmanager_api:` in the service config: Alertmanager's HTTP API v2 on Klaxon's listen
/// address (`/api/v2/*`, `/-/healthy`, `/-/ready`), so Prometheus pushes to Klaxon and amtool
/// manages it.
///
/// ```yaml
/// alertmanager_api:
///   ingest_topic: klaxon.ingest   # where POST /api/v2/alerts produces; consumed like any input
///   reads: open                   # or token: GET calls need the bearer token too
///   max_request_bytes: 4194304    # a larger POST body is refused with 413
/// ```
public struct AlertmanagerAPIConfig: Sendable, Hashable {
    /// Who may read (`GET`) the v2 API. Writes always need the bearer token.
    public enum ReadAccess: String, Sendable, Hashable, CaseIterable {
        /// Anyone who reaches the listen address (Alertmanager's own behaviour). The default.
        case open
        /// The same bearer token as state-changing calls.
        case token
    }

    /// Topic `POST /api/v2/alerts` produces to; the service consumes it with the Alertmanager
    /// decoder (added to `kafka.topics` when not listed there). Default `klaxon.ingest`.
    public var ingestTopic: String = "klaxon.ingest"
    /// Default `.open`.
    public var reads: ReadAccess = .open
    /// Largest `POST /api/v2/alerts` or `/api/v2/silences` body, in bytes. Default 4 MiB
    /// (Prometheus sends at most 64 alerts per request by default).
    public var maxRequestBytes: Int = 4 << 20

    public init() {}
}

extension ServiceConfig {
    /// The topics the consumer reads: `kafka.topics`, plus the Alertmanager API's ingest topic
    /// (format `alertmanager`) when it is not listed there.
    public var inputTopics: [TopicSettings] {
        if kafka.topics.contains(where: { $0.name == alertmanagerAPI.ingestTopic }) { return kafka.topics }
        return kafka.topics + [TopicSettings(name: alertmanagerAPI.ingestTopic, format: .alertmanager)]
    }
}
