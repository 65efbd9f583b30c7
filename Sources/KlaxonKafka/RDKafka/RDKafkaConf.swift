import CRdKafka
import Logging

/// Builds `rd_kafka_conf_t` from plain properties, so every librdkafka property
/// (SASL, SSL, tuning) can be passed through from config without code.
enum RDKafkaConf {
    static func make(_ properties: [String: String]) throws(KafkaError) -> OpaquePointer {
        let conf = rd_kafka_conf_new()!
        var errstr = [CChar](repeating: 0, count: 512)
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            if rd_kafka_conf_set(conf, key, value, &errstr, errstr.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw KafkaError.configuration("property \(key): \(String(errorBuffer: errstr))")
            }
        }
        rd_kafka_conf_set_log_cb(conf) { rk, level, facility, message in
            rdKafkaLog(level: level, facility: facility, message: message, client: rk)
        }
        rd_kafka_conf_set_error_cb(conf) { rk, err, reason, _ in
            let text = reason.map { String(cString: $0) } ?? ""
            let name = rk.map { String(cString: rd_kafka_name($0)) } ?? "rdkafka"
            rdKafkaLogger.warning("\(name): \(String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(err)))): \(text)")
        }
        return conf
    }
}

/// librdkafka's own log lines go to swift-log under this label.
let rdKafkaLogger = Logger(label: "klaxon.rdkafka")

private func rdKafkaLog(level: Int32, facility: UnsafePointer<CChar>?, message: UnsafePointer<CChar>?, client: OpaquePointer?) {
    // syslog levels: 0 emerg … 7 debug.
    let swiftLevel: Logger.Level = switch level {
    case ...2: .critical
    case 3: .error
    case 4: .warning
    case 5: .notice
    case 6: .info
    default: .debug
    }
    let fac = facility.map { String(cString: $0) } ?? "-"
    if fac == "OFFSET", level <= 4, let text = message.map({ String(cString: $0) }), let tp = KafkaOffsetResets.record(text) {
        // Records between the committed position and where reading resumes are gone.
        rdKafkaLogger.error("records of \(tp.topic)[\(tp.partition)] were deleted before they were read: \(text)")
        return
    }
    guard rdKafkaLogger.logLevel <= swiftLevel else { return }
    let text = message.map { String(cString: $0) } ?? ""
    rdKafkaLogger.log(level: swiftLevel, "\(fac): \(text)")
}
