/// Reads the `alertmanager_api:` section strictly (see `AlertmanagerAPIConfig`).
extension ServiceConfig {
    static func alertmanagerAPI(_ node: ConfigNode, kafka: KafkaSettings) throws(ConfigError) -> AlertmanagerAPIConfig {
        let m = try node.mapping(allowed: ["ingest_topic", "reads", "max_request_bytes"])
        var c = AlertmanagerAPIConfig()
        if let n = m["ingest_topic"] {
            c.ingestTopic = try n.string()
            if c.ingestTopic.isEmpty { throw n.error(.invalidValue, "ingest_topic must not be empty") }
            if c.ingestTopic == kafka.deadLetterTopic { throw n.error(.invalidValue, "ingest_topic must differ from kafka.dead_letter_topic") }
            if c.ingestTopic == kafka.alertsTopic { throw n.error(.invalidValue, "ingest_topic must differ from kafka.alerts_topic (Klaxon's internal topic)") }
            // The topic carries Alertmanager-shaped payloads only: a listed topic must decode them.
            if let listed = kafka.topics.first(where: { $0.name == c.ingestTopic }), listed.format != .alertmanager, listed.format != .auto {
                throw n.error(
                    .invalidValue,
                    "ingest_topic \"\(c.ingestTopic)\" is listed in kafka.topics with format \(listed.format.rawValue); "
                        + "it must be alertmanager or auto (or left out of kafka.topics)")
            }
        }
        if let n = m["reads"] {
            let s = try n.string()
            guard let r = AlertmanagerAPIConfig.ReadAccess(rawValue: s) else {
                throw n.error(.invalidValue, "reads must be open or token, got \"\(s)\"")
            }
            c.reads = r
        }
        if let n = m["max_request_bytes"] {
            c.maxRequestBytes = try n.int()
            if c.maxRequestBytes < 1024 { throw n.error(.invalidValue, "max_request_bytes must be at least 1024") }
        }
        return c
    }
}
