import Crypto
import Foundation
import KlaxonCore

/// Publishes each notification to an SNS topic, target or phone number (`Publish`, Query API,
/// SigV4). Subject and message are Mustache templates (defaults: `NotificationSummary`);
/// message attributes carry `severity`, `source` and `environment` (when known) plus the
/// configured `attributes`. A FIFO topic (`.fifo`) gets `MessageGroupId` (hash of the group
/// key, so one group's notifications stay in order) and `MessageDeduplicationId` (hash of the
/// idempotency key, so a redelivery is dropped by SNS).
public struct SNSSink: AlertSink {
    let config: SNSConfig
    let client: AWSClient

    /// - Throws: `TransportSetupError` when no region can be found.
    public init(config: SNSConfig, environment: [String: String], transport: HTTPTransport = .plain, timeout: Duration = .seconds(10)) throws {
        let provider = AWSCredentialsProvider(config: config.sigv4, environment: environment)
        guard let region = provider.region(arn: config.topicARN ?? config.targetARN) else {
            throw TransportSetupError("sns: no region (set sigv4.region or AWS_REGION)")
        }
        self.config = config
        self.client = AWSClient(
            endpoint: AWSClient.endpoint(config.apiURL, service: "sns", region: region), service: "sns", region: region,
            credentials: provider, transport: transport, timeout: timeout)
    }

    public func deliver(_ notification: AlertNotification) async throws {
        let body = try await client.query(action: "Publish", version: "2010-03-31", params: params(notification))
        guard AWSError.element("MessageId", in: String(decoding: body, as: UTF8.self)) != nil else {
            throw DeliveryError("sns Publish: answer has no MessageId")
        }
    }

    /// The Publish parameters (besides Action and Version).
    func params(_ n: AlertNotification) -> [(String, String)] {
        var p: [(String, String)] = []
        if let arn = config.topicARN { p.append(("TopicArn", arn)) }
        if let arn = config.targetARN { p.append(("TargetArn", arn)) }
        if let phone = config.phoneNumber { p.append(("PhoneNumber", phone)) }
        let message = NotificationTemplate.render(config.message, n, default: NotificationSummary.text(n))
        p.append(("Message", Self.limit(message, bytes: 250_000)))
        if config.phoneNumber == nil {
            let subject = NotificationTemplate.render(config.subject, n, default: NotificationSummary.title(n))
            p.append(("Subject", Self.subject(subject)))
        }
        var index = 0
        for (name, value) in attributes(n) where index < 10 {
            index += 1
            p += [("MessageAttributes.entry.\(index).Name", name),
                  ("MessageAttributes.entry.\(index).Value.DataType", "String"),
                  ("MessageAttributes.entry.\(index).Value.StringValue", value)]
        }
        if (config.topicARN ?? config.targetARN ?? "").hasSuffix(".fifo") {
            p.append(("MessageGroupId", Self.hash(n.groupKey)))
            p.append(("MessageDeduplicationId", Self.hash(n.idempotencyKey)))
        }
        return p
    }

    /// Klaxon's attributes first, then configured ones (which may override them); empty values
    /// are left out (SNS refuses them).
    func attributes(_ n: AlertNotification) -> [(String, String)] {
        var out: [String: String] = ["severity": NotificationSummary.highest(n).name]
        let sources = Set(n.alerts.compactMap { $0.labels["source"] }).sorted()
        if !sources.isEmpty { out["source"] = sources.joined(separator: ",") }
        let environments = Set(n.alerts.compactMap { $0.labels["environment"] }).sorted()
        if !environments.isEmpty { out["environment"] = environments.joined(separator: ",") }
        for (k, v) in config.attributes { out[k] = v }
        return out.filter { !$0.value.isEmpty }.sorted { $0.key < $1.key }
    }

    /// SNS subjects: at most 100 characters, one line, starting with a letter, digit or punctuation.
    static func subject(_ s: String) -> String {
        let oneLine = s.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
        let printable = String(oneLine.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7F }.map(Character.init))
        return String(printable.prefix(100)).isEmpty ? "Klaxon notification" : String(printable.prefix(100))
    }

    /// At most `bytes` UTF-8 bytes, cut on a character boundary (SNS takes 256 KiB).
    static func limit(_ s: String, bytes: Int) -> String {
        guard s.utf8.count > bytes else { return s }
        var out = ""
        var size = 0
        for c in s {
            size += c.utf8.count
            if size > bytes { break }
            out.append(c)
        }
        return out
    }

    /// A hex SHA-256: allowed characters and ≤ 128 long, as FIFO ids must be.
    static func hash(_ s: String) -> String {
        SHA256.hash(data: Data(s.utf8)).hexString
    }
}
