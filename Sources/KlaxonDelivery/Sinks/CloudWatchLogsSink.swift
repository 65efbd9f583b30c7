import Foundation
import KlaxonCore

/// Writes one JSON log event per alert to a CloudWatch Logs group and stream (`PutLogEvents`,
/// JSON 1.1, SigV4), all alerts of a notification in one call (split past 1,000 events or
/// ~900 KB). A missing group or stream is created (`CreateLogGroup`, `CreateLogStream`) and the
/// put retried once.
public struct CloudWatchLogsSink: AlertSink {
    let config: CloudWatchLogsConfig
    let client: AWSClient

    public init(config: CloudWatchLogsConfig, environment: [String: String], transport: HTTPTransport = .plain, timeout: Duration = .seconds(10)) throws {
        let provider = AWSCredentialsProvider(config: config.sigv4, environment: environment)
        guard let region = provider.region() else { throw TransportSetupError("cloudwatch logs: no region (set sigv4.region or AWS_REGION)") }
        self.config = config
        self.client = AWSClient(
            endpoint: AWSClient.endpoint(config.apiURL, service: "logs", region: region), service: "logs", region: region,
            credentials: provider, transport: transport, timeout: timeout)
    }

    /// One log event's message: the alert with its notification's receiver, status and keys.
    struct EventBody: Encodable {
        let receiver: String
        let status: String
        let groupKey: String
        let idempotencyKey: String
        let alert: NotificationJSON.AlertBody
        /// Only on an acknowledgement (`status: acknowledged`).
        let acknowledgedBy: String?
    }

    struct LogEvent: Encodable {
        let timestamp: Int64
        let message: String
    }

    struct PutLogEvents: Encodable {
        let logGroupName: String
        let logStreamName: String
        let logEvents: [LogEvent]
    }

    public func deliver(_ notification: AlertNotification) async throws {
        let ms = Int64(Date().timeIntervalSince1970 * 1000)
        var events: [LogEvent] = []
        for a in notification.alerts {
            let body = EventBody(receiver: notification.receiver, status: notification.status.rawValue, groupKey: notification.groupKey,
                                 idempotencyKey: notification.idempotencyKey, alert: NotificationJSON.alertBody(a),
                                 acknowledgedBy: notification.acknowledgedBy)
            guard let data = try? NotificationJSON.encoder.encode(body) else { continue }
            events.append(LogEvent(timestamp: ms, message: String(decoding: data, as: UTF8.self)))
        }
        for batch in Self.batches(events) { try await put(batch) }
    }

    /// PutLogEvents limits: 10,000 events and 1 MiB (message bytes + 26 each) per call.
    static func batches(_ events: [LogEvent]) -> [[LogEvent]] {
        var out: [[LogEvent]] = []
        var current: [LogEvent] = []
        var size = 0
        for e in events {
            let s = e.message.utf8.count + 26
            if !current.isEmpty && (current.count >= 1000 || size + s > 900_000) {
                out.append(current)
                current = []
                size = 0
            }
            current.append(e)
            size += s
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    private func put(_ events: [LogEvent]) async throws {
        let body = try NotificationJSON.encoder.encode(PutLogEvents(logGroupName: config.logGroup, logStreamName: config.logStream, logEvents: events))
        do {
            _ = try await client.json(target: "Logs_20140328.PutLogEvents", body: body)
        } catch let e as DeliveryError where e.message.contains("ResourceNotFoundException") {
            try await create("Logs_20140328.CreateLogGroup", ["logGroupName": config.logGroup])
            try await create("Logs_20140328.CreateLogStream", ["logGroupName": config.logGroup, "logStreamName": config.logStream])
            _ = try await client.json(target: "Logs_20140328.PutLogEvents", body: body)
        }
    }

    /// Creates a group or stream; one that already exists is fine (another instance won the race).
    private func create(_ target: String, _ fields: [String: String]) async throws {
        do {
            _ = try await client.json(target: target, body: try NotificationJSON.encoder.encode(fields))
        } catch let e as DeliveryError where e.message.contains("ResourceAlreadyExistsException") {}
    }
}
