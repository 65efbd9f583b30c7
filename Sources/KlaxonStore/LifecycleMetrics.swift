import KlaxonCore
import Metrics

/// Feeds lifecycle samples to the `klaxon_time_to_*_seconds` histograms (swift-metrics
/// aggregating recorders; the service's Prometheus factory gives them buckets and help).
/// Called after the transaction that produced the samples committed.
enum LifecycleMetrics {
    static func emit(_ samples: [LifecycleSample]) {
        // One recorder per histogram series, not per sample: a batch of new alerts is a
        // `detect` sample each, and each recorder is a look-up in the metrics factory.
        struct Series: Hashable { var measure: LifecycleMeasure; var severity: String; var source: String }
        var recorders: [Series: Recorder] = [:]
        for s in samples {
            let series = Series(measure: s.measure, severity: s.severity, source: s.source)
            let recorder = recorders[series] ?? Recorder(
                label: s.measure.metricName, dimensions: [("severity", s.severity), ("source", s.source)], aggregate: true)
            recorders[series] = recorder
            recorder.record(s.seconds)
        }
    }
}
