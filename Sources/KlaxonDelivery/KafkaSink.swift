import Foundation
import KlaxonCore
import KlaxonKafka

/// Produces each notification (Alertmanager webhook JSON) to a Kafka topic and waits for the
/// broker's acknowledgement. Key: the first alert's `keyLabel` value, else the group key.
public struct KafkaSink: AlertSink {
    let producer: KafkaProducer
    public let topic: String
    let keyLabel: String?

    public init(producer: KafkaProducer, topic: String, keyLabel: String?) {
        self.producer = producer
        self.topic = topic
        self.keyLabel = keyLabel
    }

    public func deliver(_ notification: AlertNotification) async throws {
        let body = NotificationJSON.webhook(notification)
        let key = keyLabel.flatMap { notification.alerts.first?.labels[$0] } ?? notification.groupKey
        do {
            try await producer.send(
                topic: topic, key: Data(key.utf8), value: body,
                headers: [KafkaHeader("idempotency-key", notification.idempotencyKey)])
        } catch let error as KafkaError {
            throw DeliveryError("produce to \(topic): \(error)", isRetriable: !error.isFatal)
        }
    }
}
