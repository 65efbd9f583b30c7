import Foundation
import KlaxonCore
import KlaxonKafka
import KlaxonStore

/// Turns one consumed batch into its effects — a `BatchWrite` for the store and the dead
/// letters — without doing any I/O: size check, decode, normalize. `now` is passed in.
public struct BatchProcessor: Sendable {
    public var topics: [String: TopicSettings]
    public var maxMessageBytes: Int
    public var defaultEnvironment: String?
    public var severityOverrides: SeverityOverrides
    public var identityOverrides: IdentityOverrides
    /// Labels whose values are artifacts for coverage (default `image`).
    public var coverageKinds: [String] = CoverageConfig.defaultKinds

    public init(
        topics: [TopicSettings], maxMessageBytes: Int, defaultEnvironment: String?,
        severityOverrides: SeverityOverrides = SeverityOverrides(), identityOverrides: IdentityOverrides = IdentityOverrides()
    ) {
        self.severityOverrides = severityOverrides
        self.identityOverrides = identityOverrides
        self.topics = Dictionary(topics.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        self.maxMessageBytes = maxMessageBytes
        self.defaultEnvironment = defaultEnvironment
    }

    public struct Output: Sendable {
        public var write = BatchWrite()
        public var deadLetters: [DeadLetter] = []
        /// Decoded alert count per source label, for metrics.
        public var alertsBySource: [String: Int] = [:]
    }

    public func process(_ records: [KafkaRecord], now: Date) -> Output {
        var out = Output()
        for record in records {
            let decoded = decode(record, now: now)
            let outcome = Self.outcome(decoded)
            switch decoded {
            case .failure(let dead):
                out.deadLetters.append(dead)
            case .success(let report):
                let owner = "\(record.topic)/\(record.partition)"
                for alert in report.alerts {
                    out.write.reports.append(AlertReport(alert: alert, owner: owner, receivedAt: now))
                    out.alertsBySource[alert.source ?? "unknown", default: 0] += 1
                }
                out.write.coverage.add(report, receivedAt: now, kinds: coverageKinds)
                if !report.scopes.isEmpty {
                    out.write.scans.append(ScanReport(scopes: report.scopes, present: Set(report.alerts.map(\.fingerprint)), at: now))
                }
            }
            out.write.consumed.append(ConsumedRecord(topic: record.topic, partition: record.partition, offset: record.offset, outcome: outcome))
        }
        return out
    }

    /// What the ingest ledger says of a message (`trivy: 12 alerts`, `deadletter: reason`).
    public static func outcome(_ decoded: Result<DecodedReport, DeadLetter>) -> String {
        switch decoded {
        case .success(let report): "\(report.format.rawValue): \(report.alerts.count) alerts"
        case .failure(let dead): "deadletter: \(dead.reason)"
        }
    }

    /// One record as ingest decodes it (size check, topic format and labels, environment from
    /// header, topic or default, then the overrides); `klaxon replay --topic` decodes with it too.
    public func decode(_ record: KafkaRecord, now: Date) -> Result<DecodedReport, DeadLetter> {
        guard record.value.count <= maxMessageBytes else {
            return .failure(DeadLetter(
                record: record, kind: .size,
                reason: "message is \(record.value.count) bytes, over the \(maxMessageBytes)-byte limit"))
        }
        let topic = topics[record.topic]
        let context = DecodeContext(
            receivedAt: now, environment: record.header("klaxon-environment") ?? topic?.environment ?? defaultEnvironment,
            extraLabels: topic?.labels ?? [:], producedAt: record.timestamp)
        do throws(DecodeError) {
            let report = try Decoders.decode(record.value, format: topic?.format ?? .auto, context: context)
            return .success(identityOverrides.apply(to: severityOverrides.apply(to: report)))
        } catch {
            return .failure(DeadLetter(record: record, kind: .decode, reason: error.description))
        }
    }
}
