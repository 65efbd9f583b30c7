import CRdKafka
import Foundation

/// librdkafka's Kafka-protocol test broker (`rdkafka_mock.h`) listening on loopback TCP.
/// Real clients (kcat, Python, other librdkafka apps) talk to it like to any Kafka. State lives
/// in memory and ends with this object. For tests, demos and `klaxon broker`; never production.
public final class EmbeddedBroker: Sendable {
    let cluster: MockCluster  // internal: EmbeddedBroker+Faults reaches the mock through it
    /// `host:port[,host:port…]` to give clients as `bootstrap.servers`.
    public let bootstrapServers: String
    /// Number of mock brokers; their ids are 1 through `brokerCount`.
    public let brokerCount: Int

    /// - Parameters:
    ///   - brokers: number of mock brokers (default 1).
    ///   - topics: topics to create up front, each with `partitions` partitions. Topics a
    ///     client asks for later are auto-created with the mock's default of 4 partitions.
    public init(brokers: Int = 1, topics: [String] = [], partitions: Int32 = 1) throws(KafkaError) {
        // The mock cluster hangs off a client handle; a producer with no brokers is the lightest.
        let owner = try RDKafkaHandle.make(.producer, properties: ["log.connection.close": "false", "log_level": "4"])
        guard let mc = owner.withHandle({ rd_kafka_mock_cluster_new($0, Int32(brokers)) }) else {
            throw KafkaError(code: KafkaError.Code.brokerStart, name: "BROKER_START", message: "rd_kafka_mock_cluster_new failed")
        }
        self.cluster = MockCluster(mc, owner: owner)
        self.brokerCount = brokers
        self.bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(mc))
        for t in topics { try createTopic(t, partitions: partitions) }
    }

    public func createTopic(_ name: String, partitions: Int32 = 1) throws(KafkaError) {
        let rc = cluster.withPointer { rd_kafka_mock_topic_create($0, name, partitions, 1) }
        guard rc == RD_KAFKA_RESP_ERR_NO_ERROR else { throw rdKafkaError(rc, "create topic \(name)") }
    }
}
