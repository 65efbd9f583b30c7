import Foundation
import KlaxonCore
import Logging
import Synchronization

/// Notifications and helpers shared by the channel tests.
enum ChannelFixtures {
    static func alert(_ name: String, severity: Severity = .high, status: AlertNotification.Status = .firing,
                      labels extra: [String: String] = [:]) -> NotifiedAlert {
        var labels = ["alertname": name, "source": "trivy", "environment": "prod", "image": "app:1.2", "category": "vulnerability"]
        for (k, v) in extra { labels[k] = v }
        return NotifiedAlert(
            status: status, fingerprint: Fingerprint(labels: labels), labels: labels,
            annotations: ["summary": "\(name) in openssl"], severity: severity, startsAt: Date(timeIntervalSince1970: 1_700_000_000),
            endsAt: status == .resolved ? Date(timeIntervalSince1970: 1_700_000_600) : nil)
    }

    static func notification(
        _ alerts: [NotifiedAlert], status: AlertNotification.Status = .firing, receiver: String = "team",
        groupKey: String = "{}:{alertname=\"CVE\"}"
    ) -> AlertNotification {
        AlertNotification(
            idempotencyKey: "\(receiver)/\(groupKey)/\(status.rawValue)/\(alerts.count)", receiver: receiver, status: status,
            groupKey: groupKey, groupLabels: ["alertname": alerts.first?.labels["alertname"] ?? ""], alerts: alerts)
    }

    /// A fresh temp directory.
    static func tempDir(_ tag: String) throws -> URL {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("klaxon-\(tag)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}

/// A log handler that keeps every line (message and metadata), for "never logged" checks.
struct CapturingLogHandler: LogHandler {
    let sink: LogLines
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
        sink.append("\(level) \(message) \(metadata ?? [:])")
    }
}

final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ s: String) { lines.withLock { $0.append(s) } }
    var all: String { lines.withLock { $0.joined(separator: "\n") } }
    var count: Int { lines.withLock { $0.count } }
}
