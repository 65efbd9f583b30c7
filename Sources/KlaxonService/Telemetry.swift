import Logging
import Metrics
import Prometheus

/// Process-wide metrics: swift-metrics backed by one Prometheus registry, bootstrapped once
/// (swift-metrics allows a single bootstrap per process).
public enum Telemetry {
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// Ensures the bootstrap happened (call before creating any metric).
    public static func bootstrap() { _ = registry }
}
