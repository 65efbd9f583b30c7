/// A named notification target and the integrations it delivers through (Alertmanager's
/// `receivers:` entry plus Klaxon's `file_configs`, `kafka_configs` and `min_severity`).
/// A receiver with no integrations is valid: alerts routed to it are dropped (a "null" receiver).
public struct Receiver: Sendable, Hashable {
    public var name: String
    public var webhookConfigs: [WebhookConfig]
    public var fileConfigs: [FileConfig]
    public var kafkaConfigs: [KafkaSinkConfig]
    public var snsConfigs: [SNSConfig]
    public var pagerdutyConfigs: [PagerDutyConfig]
    public var slackConfigs: [SlackConfig]
    /// Klaxon: CloudWatch Logs and Security Hub.
    public var cloudwatchLogsConfigs: [CloudWatchLogsConfig]
    public var securityHubConfigs: [SecurityHubConfig]
    /// Klaxon: alerts below this severity are not delivered to this receiver (default: all).
    public var minSeverity: Severity.Level?
    /// Klaxon: `fallback_receiver`, the receiver that also gets a notification this one could
    /// not take (dead-lettered, or waiting behind an open breaker past `delivery.fallback_after`).
    /// Must name another existing receiver. Default none.
    public var fallbackReceiver: String?
    /// Klaxon: `send_resolved_when_silenced`. When true, an alert that resolves while a silence
    /// mutes it still gets its resolved notification here — if this receiver was notified of
    /// it firing — so the incident that notification opened is closed. Integrations with
    /// `send_resolved: false` still send no resolved notification. Default false: a silenced
    /// alert's resolution is muted like the rest of it (Alertmanager's behaviour).
    public var sendResolvedWhenSilenced: Bool = false
    /// Alertmanager integration kinds present in the config that Klaxon does not deliver to
    /// yet (`email_configs`, `opsgenie_configs`, …). Each also produced a warning.
    public var unsupportedKinds: [String]

    public init(
        name: String,
        webhookConfigs: [WebhookConfig] = [],
        fileConfigs: [FileConfig] = [],
        kafkaConfigs: [KafkaSinkConfig] = [],
        snsConfigs: [SNSConfig] = [],
        pagerdutyConfigs: [PagerDutyConfig] = [],
        slackConfigs: [SlackConfig] = [],
        cloudwatchLogsConfigs: [CloudWatchLogsConfig] = [],
        securityHubConfigs: [SecurityHubConfig] = [],
        minSeverity: Severity.Level? = nil,
        unsupportedKinds: [String] = []
    ) {
        self.name = name
        self.webhookConfigs = webhookConfigs
        self.fileConfigs = fileConfigs
        self.kafkaConfigs = kafkaConfigs
        self.snsConfigs = snsConfigs
        self.pagerdutyConfigs = pagerdutyConfigs
        self.slackConfigs = slackConfigs
        self.cloudwatchLogsConfigs = cloudwatchLogsConfigs
        self.securityHubConfigs = securityHubConfigs
        self.minSeverity = minSeverity
        self.unsupportedKinds = unsupportedKinds
    }

    /// Whether this receiver takes an alert of the given severity (`min_severity`).
    public func accepts(_ severity: Severity.Level) -> Bool {
        guard let minSeverity else { return true }
        return severity >= minSeverity
    }

    /// Number of integrations Klaxon delivers to.
    public var integrationCount: Int {
        webhookConfigs.count + fileConfigs.count + kafkaConfigs.count
            + snsConfigs.count + pagerdutyConfigs.count + slackConfigs.count
            + cloudwatchLogsConfigs.count + securityHubConfigs.count
    }
}
