import KlaxonCore
import Metrics

/// Feeds lifecycle samples to the `klaxon_time_to_*_seconds` histograms (swift-metrics
/// aggregating recorders; the service's Prometheus factory gives them buckets and help).
/// Called after the transaction that produced the samples committed.
enum LifecycleMetrics {
    static func emit(_ samples: [LifecycleSample]) {
        for s in samples {
            Recorder(label: s.measure.metricName, dimensions: [("severity", s.severity), ("source", s.source)], aggregate: true)
                .record(s.seconds)
        }
    }
}
