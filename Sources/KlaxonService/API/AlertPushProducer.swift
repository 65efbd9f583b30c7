import Foundation
import KlaxonCore
import KlaxonKafka

/// Where `POST /api/v2/alerts` puts accepted alerts: the ingest topic, through the service's
/// producer. `send` returns only once the broker acknowledged every message, so an answer of
/// 200 means the alerts are in Kafka and a crash after it loses nothing.
struct AlertPushProducer: Sendable {
    let producer: KafkaProducer
    /// `alertmanager_api.ingest_topic`.
    let topic: String

    func send(_ messages: [PostableAlerts.Message]) async throws {
        guard !messages.isEmpty else { return }
        _ = try await producer.sendAll(topic: topic, messages.map { KafkaMessage(key: Data($0.key.utf8), value: $0.payload) })
    }
}
