import KlaxonCore
import KlaxonKafka

extension EmbeddedBroker {
    /// Makes the state stage's topics up front with the count state is keyed by — the alerts
    /// topic and its changelog — because this broker has no CreateTopics and would auto-create
    /// them with its default count.
    public func createStateTopics(_ k: KafkaSettings = KafkaSettings()) throws {
        try createTopic(k.alertsTopic, partitions: k.alertsPartitions)
        try createTopic(k.changelogTopic, partitions: k.alertsPartitions)
    }
}
