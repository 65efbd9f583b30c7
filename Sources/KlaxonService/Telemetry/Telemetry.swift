import CoreMetrics
import Logging
import Metrics
import Prometheus

/// Process-wide metrics: swift-metrics backed by one Prometheus registry, bootstrapped once
/// (swift-metrics allows a single bootstrap per process). Counters named in `help` get a
/// `# HELP` line, which `promtool check metrics` asks for.
public enum Telemetry {
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(DocumentedFactory(base: PrometheusMetricsFactory(registry: registry), registry: registry))
        return registry
    }()

    /// Ensures the bootstrap happened (call before creating any metric).
    public static func bootstrap() { _ = registry }

    /// Buckets of latency histograms: 5 ms to 30 s.
    static let latencyBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30),
    ]

    /// Every counter Klaxon emits, with what it counts.
    static let help: [String: String] = [
        "klaxon_messages_consumed_total": "Kafka messages consumed and their effects stored, by input topic.",
        "klaxon_state_split_messages_total":
            "Input messages the state stage applied in two batches because the rest of their records did not arrive within kafka.batch.report_wait.",
        "klaxon_state_handoffs_aborted_total": "State batches whose Kafka transaction to the state changelog was aborted (the batch is read again).",
        "klaxon_state_restored_records_total": "State changelog records read to restore partitions this instance was given.",
        "klaxon_state_restored_deliveries_total":
            "Notifications another instance decided and had not sent, queued here by a restore of their partition.",
        "klaxon_state_changelog_corrupt_total": "State changelog records a restore skipped because they could not be read.",
        "klaxon_state_changelog_too_large_total":
            "State changelog records not written because they exceed the producer's message.max.bytes (a notification of a huge group, or its notification-log share): they stay in this instance's file.",
        "klaxon_state_changelog_unowned_total":
            "State changelog records not written because another instance owns their partition: alert changes made here while the partition moved away (acknowledgements and resolves through the API are sent to the owner instead), threshold counts of partitions another instance owns now, and unsent notifications whose first alert it owns.",
        "klaxon_state_owned_partitions":
            "Partitions of the alerts topic this instance owns: assigned to its state stage and restored from the changelog.",
        "klaxon_threshold_remote_shares_total":
            "Shares of threshold keys counted by group_by that other instances own, read from the state changelog: a decision here counts them with this instance's own.",
        "klaxon_grouping_remote_alerts":
            "Alerts of partitions other instances own that grouping keeps from the state changelog for the groups it notifies (active, or resolved within a day).",
        "klaxon_inhibition_changelog_sources":
            "Alerts that can inhibit, as this instance read them from the state changelog (every instance's alerts; a source owned elsewhere mutes targets grouped here).",
        "klaxon_state_commands_total":
            "Commands another instance sent to this alert owner, by action and outcome: acknowledgements and resolves from its API (applied; conflict: the alert was not in a state the action applies to; unknown: the alert is not held), and first notifications of alerts whose group it notifies (notified: applied, or unchanged when not the first).",
        "klaxon_state_owner_notices_produced_total":
            "First notifications of alerts owned by another instance that this group owner produced to that owner (a notified command, in the state hand-off's transaction).",
        "klaxon_ingest_handoffs_aborted_total": "Ingest batches whose Kafka transaction to the alerts topic was aborted (the batch is read again).",
        "klaxon_alerts_decoded_total": "Alerts decoded from consumed messages, by source.",
        "klaxon_deadletters_total": "Messages sent to the dead-letter topic, by origin topic and kind (decode, size).",
        "klaxon_alerts_suppressed_total": "Alert reports that notified nobody, by reason.",
        "klaxon_notifications_total": "Notification delivery attempts, by receiver, integration and outcome (delivered, retry, dead).",
        "klaxon_notifications_failed_total": "Failed notification delivery attempts, by receiver, integration and reason (timeout, throttled, rejected, error, unconfigured).",
        "klaxon_notification_latency_seconds": "How long a notification send took, by receiver and integration.",
        "klaxon_outbox_pending": "Notifications waiting in the outbox, by receiver and integration.",
        "klaxon_notification_breaker_open": "1 while the integration's circuit breaker is open or half-open, else 0.",
        "klaxon_false_positive_ratio": "Alerts marked false positive over distinct alerts, by source.",
        "klaxon_config_last_reload_successful": "1 when the last configuration (re)load succeeded, 0 while a bad one is refused.",
        "klaxon_config_last_reload_success_timestamp_seconds": "When the configuration was last loaded successfully (Unix seconds).",
        "klaxon_time_to_detect_seconds": "MTTD: detected minus occurred, per alert instance opened, by severity and source.",
        "klaxon_time_to_notify_seconds": "Notified (first notification queued) minus occurred, per alert instance, by severity and source.",
        "klaxon_time_to_acknowledge_seconds": "MTTA: acknowledged minus first notified, by severity and source.",
        "klaxon_time_to_resolve_seconds": "MTTR: resolved minus detected, for alerts that were notified, by severity and source.",
        "klaxon_alerts": "Alerts in state, by status, severity and source.",
        "klaxon_sla_breaches_total": "Alerts that outlived their SLA, by severity and kind (acknowledge, resolve).",
        "klaxon_escalations_total": "Escalation tiers notified, by policy and tier.",
        "klaxon_consumer_lag": "Messages between the consumer's position and the end of each assigned partition.",
        "klaxon_consumer_offset_resets_total": "Times a consumer's position was deleted (retention) before it was read; the records between were never read.",
        "klaxon_aggregation_groups": "Aggregation groups (one per route node and group key), as Alertmanager's dispatcher counts them.",
        "klaxon_aggregation_groups_changed": "Groups with alerts added or changed since their last flush (0: everything received has been through a flush).",
        "klaxon_scan_coverage_ratio": "Known artifacts with a complete scan inside their environment's schedule, 0 to 1, by environment.",
        "klaxon_build_info": "Always 1; the labels say which Klaxon build runs.",
    ]

    /// Buckets of the `klaxon_time_to_*_seconds` histograms: 1 s to 30 days, spaced where
    /// the SLAs sit (15 m acknowledge, 24 h, 7 d and 30 d resolve).
    static let lifecycleBuckets: [Double] = [
        1, 5, 15, 30, 60, 300, 900, 1800, 3600, 4 * 3600, 12 * 3600, 86_400, 3 * 86_400, 7 * 86_400, 14 * 86_400, 30 * 86_400,
    ]
}

/// Forwards to the Prometheus factory, adding help text for documented counters.
private struct DocumentedFactory: MetricsFactory {
    let base: PrometheusMetricsFactory
    let registry: PrometheusCollectorRegistry

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        guard let help = Telemetry.help[label] else { return base.makeCounter(label: label, dimensions: dimensions) }
        return registry.makeCounter(name: label, labels: dimensions, help: help)
    }
    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        base.makeFloatingPointCounter(label: label, dimensions: dimensions)
    }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard let help = Telemetry.help[label] else {
            return base.makeRecorder(label: label, dimensions: dimensions, aggregate: aggregate)
        }
        guard aggregate else { return registry.makeGauge(name: label, labels: dimensions, help: help) }
        return registry.makeValueHistogram(name: label, labels: dimensions, buckets: Telemetry.lifecycleBuckets, help: help)
    }
    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        base.makeMeter(label: label, dimensions: dimensions)
    }
    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        guard let help = Telemetry.help[label] else { return base.makeTimer(label: label, dimensions: dimensions) }
        return registry.makeDurationHistogram(name: label, labels: dimensions, buckets: Telemetry.latencyBuckets, help: help)
    }
    func destroyCounter(_ handler: any CounterHandler) { base.destroyCounter(handler) }
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) { base.destroyFloatingPointCounter(handler) }
    func destroyRecorder(_ handler: any RecorderHandler) { base.destroyRecorder(handler) }
    func destroyMeter(_ handler: any MeterHandler) { base.destroyMeter(handler) }
    func destroyTimer(_ handler: any TimerHandler) { base.destroyTimer(handler) }
}
