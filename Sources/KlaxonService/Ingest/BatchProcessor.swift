import Foundation
import KlaxonCore
import KlaxonKafka
import KlaxonStore

/// Decodes one consumed message as ingest does — size check, topic format and labels,
/// environment, overrides — without doing any I/O (`IngestPlan` splits what it returns into
/// `klaxon.alerts` records). `now` is passed in.
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
