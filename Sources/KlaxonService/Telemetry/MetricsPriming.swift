import KlaxonCore
import KlaxonStore
import Metrics

/// Creates at start, at zero (or their stored value), the series the README documents, for
/// every label value known from the configuration: Prometheus then sees a counter from 0
/// instead of a series appearing at its first increment (so `rate()` and alerts on absence
/// work), and a dashboard shows 0 rather than "no data".
enum MetricsPriming {
    /// Delivery outcomes and failure reasons, as `RecordStage` and `OutboxDispatcher` count them.
    static let outcomes = ["delivered", "retry", "dead"]
    static let failureReasons = ["timeout", "throttled", "rejected", "error", "unconfigured"]

    /// - Parameters:
    ///   - topics: the consumed topics.
    ///   - sources: sources of topics with an explicit format (`auto` topics add theirs on first use).
    ///   - integrations: per receiver, its delivering integrations.
    ///   - escalationTiers: per escalation policy, its number of tiers.
    ///   - falsePositiveRates: stored marks per source (the ratio of a source with alerts).
    static func prime(
        topics: [String], sources: [String], integrations: [String: [Integration]], escalationTiers: [String: Int],
        falsePositiveRates: [String: (alerts: Int, falsePositives: Int)]
    ) {
        _ = Counter(label: "klaxon_ingest_handoffs_aborted_total")
        Gauge(label: "klaxon_inhibition_changelog_sources").record(0)
        Gauge(label: "klaxon_grouping_remote_alerts").record(0)
        _ = Counter(label: "klaxon_state_split_messages_total")
        _ = Counter(label: "klaxon_threshold_remote_shares_total")
        for name in ["handoffs_aborted", "restored_records", "restored_deliveries", "changelog_corrupt", "changelog_unowned", "changelog_too_large"] {
            _ = Counter(label: "klaxon_state_\(name)_total")
        }
        for action in ["acknowledge", "resolve"] {
            for outcome in ["applied", "conflict", "unknown"] {
                _ = Counter(label: "klaxon_state_commands_total", dimensions: [("action", action), ("outcome", outcome)])
            }
        }
        for outcome in ["applied", "unchanged"] {
            _ = Counter(label: "klaxon_state_commands_total", dimensions: [("action", "notified"), ("outcome", outcome)])
        }
        _ = Counter(label: "klaxon_state_owner_notices_produced_total")
        for topic in topics {
            _ = Counter(label: "klaxon_messages_consumed_total", dimensions: [("topic", topic)])
            for kind in ["decode", "size"] {
                _ = Counter(label: "klaxon_deadletters_total", dimensions: [("topic", topic), ("kind", kind)])
            }
        }
        for source in sources {
            _ = Counter(label: "klaxon_alerts_decoded_total", dimensions: [("source", source)])
        }
        for reason in SuppressionReason.allCases {
            _ = Counter(label: "klaxon_alerts_suppressed_total", dimensions: [("reason", reason.rawValue)])
        }
        for (receiver, list) in integrations {
            for integration in list {
                let dims = [("receiver", receiver), ("integration", integration.name)]
                for outcome in outcomes { _ = Counter(label: "klaxon_notifications_total", dimensions: dims + [("outcome", outcome)]) }
                for reason in failureReasons { _ = Counter(label: "klaxon_notifications_failed_total", dimensions: dims + [("reason", reason)]) }
                _ = Metrics.Timer(label: "klaxon_notification_latency_seconds", dimensions: dims)
                // Every breaker starts closed; `LaneControl` publishes its changes.
                Gauge(label: "klaxon_notification_breaker_open", dimensions: dims).record(0)
            }
        }
        for (policy, tiers) in escalationTiers where tiers > 0 {
            for tier in 1...tiers { _ = Counter(label: "klaxon_escalations_total", dimensions: [("policy", policy), ("tier", "\(tier)")]) }
        }
        for source in Set(sources).union(falsePositiveRates.keys) {
            let v = falsePositiveRates[source] ?? (0, 0)
            Gauge(label: "klaxon_false_positive_ratio", dimensions: [("source", source)])
                .record(v.alerts > 0 ? Double(v.falsePositives) / Double(v.alerts) : 0)
        }
    }
}
