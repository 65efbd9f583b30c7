import Foundation

/// The four incident-loop durations, from an alert's stored times: MTTD = detected − occurred,
/// time to notify = notified − occurred, MTTA = acknowledged − notified,
/// MTTR = resolved − detected.
public enum LifecycleMeasure: String, Sendable, CaseIterable, Codable {
    case detect, notify, acknowledge, resolve

    /// The Prometheus histogram this measure feeds (seconds).
    public var metricName: String { "klaxon_time_to_\(rawValue)_seconds" }

    /// `end − start` in seconds; nil when either is missing or the clocks disagree (negative).
    public static func seconds(from start: Date?, to end: Date?) -> Double? {
        guard let start, let end else { return nil }
        let d = end.timeIntervalSince(start)
        return d >= 0 ? d : nil
    }
}

/// One observation of a measure, labelled as the histograms are.
public struct LifecycleSample: Sendable, Hashable {
    public var measure: LifecycleMeasure
    public var seconds: Double
    /// Severity name (`critical`, `high`, …).
    public var severity: String
    public var source: String

    public init(measure: LifecycleMeasure, seconds: Double, severity: String, source: String) {
        self.measure = measure
        self.seconds = seconds
        self.severity = severity
        self.source = source
    }

    /// The sample for `alert`, or nil when the duration is unknown.
    public static func of(_ measure: LifecycleMeasure, _ alert: Alert, from start: Date?, to end: Date?) -> LifecycleSample? {
        LifecycleMeasure.seconds(from: start, to: end).map {
            LifecycleSample(measure: measure, seconds: $0, severity: alert.severity.name, source: alert.source ?? "unknown")
        }
    }
}
