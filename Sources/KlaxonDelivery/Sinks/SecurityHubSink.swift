import Foundation
import KlaxonCore

/// Imports findings into Security Hub (`BatchImportFindings`, REST-JSON, SigV4) in ASFF, one per
/// alert (`SecurityHubFinding`): `RecordState: ACTIVE` while firing, `ARCHIVED` once resolved,
/// under the same finding id so the resolve updates it. Alerts whose `source` label is
/// `securityhub` are skipped: they came from Security Hub and are already there.
public struct SecurityHubSink: AlertSink {
    let config: SecurityHubConfig
    let region: String
    let client: AWSClient

    public init(config: SecurityHubConfig, environment: [String: String], transport: HTTPTransport = .plain, timeout: Duration = .seconds(10)) throws {
        let provider = AWSCredentialsProvider(config: config.sigv4, environment: environment)
        guard let region = provider.region(arn: config.productARN) else { throw TransportSetupError("security hub: no region (set sigv4.region or AWS_REGION)") }
        self.config = config
        self.region = region
        self.client = AWSClient(
            endpoint: AWSClient.endpoint(config.apiURL, service: "securityhub", region: region), service: "securityhub",
            region: region, credentials: provider, transport: transport, timeout: timeout)
    }

    var productARN: String {
        config.productARN ?? "arn:aws:securityhub:\(region):\(config.accountID):product/\(config.accountID)/default"
    }

    public func deliver(_ notification: AlertNotification) async throws {
        // Acknowledgements are not expressible here: Workflow.Status is the customer's field
        // (BatchUpdateFindings); BatchImportFindings, the provider's call, cannot change it on an
        // existing finding. The wiring queues none; one that arrives anyway is skipped.
        guard notification.status != .acknowledged else { return }
        let now = Date()
        let findings = notification.alerts
            .filter { $0.labels["source"]?.lowercased() != "securityhub" }
            .map { SecurityHubFinding.make($0, productARN: productARN, accountID: config.accountID, region: region, now: now) }
        // BatchImportFindings takes at most 100 findings per call.
        for start in stride(from: 0, to: findings.count, by: 100) {
            let batch = Array(findings[start..<min(start + 100, findings.count)])
            let body = try NotificationJSON.encoder.encode(["Findings": batch])
            let answer = try await client.rest(method: "POST", path: "/findings/import", body: body, what: "BatchImportFindings")
            let result = (try? JSONSerialization.jsonObject(with: answer)) as? [String: Any] ?? [:]
            if let failed = result["FailedCount"] as? Int, failed > 0 {
                let first = (result["FailedFindings"] as? [[String: Any]])?.first
                throw DeliveryError("securityhub BatchImportFindings: \(failed) finding(s) refused: \(first?["ErrorCode"] ?? "") \(first?["ErrorMessage"] ?? "")", isRetriable: false)
            }
        }
    }
}
