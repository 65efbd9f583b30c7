import Foundation
import Testing
@testable import KlaxonCore

/// What the AWS CLI prints (`list-findings`, `get-findings`, `describe-image-scan-findings`) and
/// bare findings, from the samples in `samples/`.
@Suite struct AWSCLIShapesTests {
    static let ctx = DecodeContext(receivedAt: Date(timeIntervalSince1970: 1_750_000_000))
    static let digest = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

    static func decode(_ name: String, _ format: InputFormat = .auto) throws -> DecodedReport {
        try Decoders.decode(Samples.data(name), format: format, context: ctx)
    }

    static func decode(json: String, _ format: InputFormat = .auto) throws -> DecodedReport {
        try Decoders.decode(Data(json.utf8), format: format, context: ctx)
    }

    @Test func inspectorListFindings() throws {
        let r = try Self.decode("inspector2-list-findings.json")
        #expect(r.format == .inspector2)
        #expect(r.scopes.isEmpty)  // a filtered, paginated listing covers no artifact completely
        let ssl = try #require(r.alerts.first { $0.labels["cve"] == "CVE-2024-5535" })
        #expect(ssl.severity == Severity(id: 5, score: 91))
        #expect(ssl.labels["artifact"] == Self.digest)
        #expect(ssl.labels["installed_version"] == "3.1.4-r2")
        #expect(ssl.labels["region"] == "eu-west-1" && ssl.labels["account"] == "111122223333")
        #expect(ssl.labels["image"] == "111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/api:1.4.2")
        // CLI v2 prints ISO 8601 with microseconds and +00:00.
        #expect(ssl.detectedAt == Timestamps.make(year: 2025, month: 6, day: 1, hour: 10, minute: 9, second: 30, nanos: 123_000_000))
        let port = try #require(r.alerts.first { $0.labels["finding_type"] == "NETWORK_REACHABILITY" })
        #expect(port.severity == .high)
        #expect(port.labels["category"] == "misconfiguration")
        #expect(port.labels["host"] == "i-0a1b2c3d4e5f60718")
        let curl = try #require(r.alerts.first { $0.labels["package"] == "curl-minimal" })
        #expect(curl.severity == Severity(id: 2, score: 33))
        #expect(curl.labels["installed_version"] == "8.3.0-1.amzn2023.0.1")
        #expect(curl.resolvedAt == Timestamps.make(year: 2025, month: 6, day: 1, hour: 7, minute: 30, second: 0))
    }

    @Test func inspectorNDJSONOfBareFindingsWithEpochTimes() throws {
        let r = try Self.decode("inspector2-findings.ndjson")
        #expect(r.format == .inspector2)
        #expect(r.alerts.count == 2)
        let flask = try #require(r.alerts.first { $0.labels["package"] == "flask" })
        #expect(flask.severity == Severity(id: 4, score: 75))
        #expect(flask.labels["function"] == "shop-export")
        // CLI v1 prints API timestamps as epoch seconds.
        #expect(flask.detectedAt == Date(timeIntervalSince1970: 1_748_768_400))
        #expect(flask.occurredAt == Date(timeIntervalSince1970: 1_683_210_315))
        let kernel = try #require(r.alerts.first { $0.labels["package"] == "kernel" })
        // No envelope and no resource region: the finding ARN names it.
        #expect(kernel.labels["region"] == "us-east-2")
        #expect(kernel.severity == Severity(id: 3, score: 53))
    }

    @Test func securityHubGetFindingsOfEveryProduct() throws {
        let r = try Self.decode("securityhub-get-findings.json")
        #expect(r.format == .securityhub)
        #expect(r.scopes.isEmpty)
        let byProduct = Dictionary(r.alerts.map { ($0.labels["product"] ?? "?", $0) }, uniquingKeysWith: { a, _ in a })
        let inspector = try #require(byProduct["Inspector"])
        #expect(inspector.labels["cve"] == "CVE-2024-0727" && inspector.labels["artifact"] == Self.digest)
        #expect(inspector.severity == Severity(id: 3, score: 40))
        let guardduty = try #require(byProduct["GuardDuty"])
        #expect(guardduty.labels["category"] == "threat")
        // The detector ARN in GeneratorId names no kind of finding; the type does.
        #expect(guardduty.labels["alertname"] == "CryptoCurrency:EC2-BitcoinTool.B!DNS")
        #expect(guardduty.severity == Severity(id: 4, score: 70))  // Label HIGH beats Normalized 60
        let config = try #require(byProduct["Config"])
        #expect(config.labels["category"] == "misconfiguration" && config.labels["resource"] == "arn:aws:s3:::shop-exports")
        #expect(config.labels["alertname"] == "s3-bucket-versioning-enabled")
        let prowler = try #require(r.alerts.first { $0.labels["rule"] == "prowler-iam_root_mfa_enabled" })
        #expect(prowler.severity == .critical && prowler.labels["category"] == "compliance")
        #expect(prowler.resolvedAt == Timestamps.rfc3339("2025-05-31T16:30:00Z"))
    }

    @Test func securityHubBareFinding() throws {
        let r = try Self.decode("securityhub-finding.json")
        #expect(r.format == .securityhub)
        let a = try #require(r.alerts.first)
        #expect(r.alerts.count == 1)
        #expect(a.severity == .low && a.labels["category"] == "secret")
        #expect(a.labels["account"] == "111122223333" && a.labels["finding_id"] == "shop-scanner/2025-06-01/secrets/7")
    }

    @Test func guardDutyPascalCaseFromTheCLI() throws {
        let r = try Self.decode("guardduty-get-findings.json")
        #expect(r.format == .guardduty)
        let recon = try #require(r.alerts.first { $0.labels["alertname"] == "Recon:IAMUser/UserPermissions" })
        #expect(recon.severity == Severity(id: 3, score: 50))
        #expect(recon.labels["user"] == "deploy-bot" && recon.labels["action_type"] == "AWS_API_CALL")
        #expect(recon.labels["account"] == "111122223333" && recon.labels["region"] == "eu-west-1")
        #expect(recon.occurredAt == Timestamps.rfc3339("2025-06-01T08:02:24Z"))
        #expect(recon.detectedAt == Timestamps.rfc3339("2025-06-01T08:21:48.385Z"))
        let btc = try #require(r.alerts.first { $0.labels["host"] == "i-0a1b2c3d4e5f60718" })
        #expect(btc.severity == Severity(id: 4, score: 80))
        #expect(btc.resolvedAt == Timestamps.rfc3339("2025-06-01T09:00:00.000Z"))  // archived
    }

    @Test func guardDutyCamelCaseListAndBareDetailShareTheEventIdentity() throws {
        let camel = try Self.decode("guardduty-findings-camel.json")
        let a = try #require(camel.alerts.first)
        #expect(camel.format == .guardduty && camel.alerts.count == 1)
        #expect(a.severity == Severity(id: 2, score: 25))
        #expect(a.labels["cluster"] == "prod-eu" && a.labels["namespace"] == "shop")
        let detail = try Self.decode("guardduty-finding-detail.json")
        let d = try #require(detail.alerts.first)
        #expect(detail.format == .guardduty)
        #expect(d.severity == Severity(id: 5, score: 92))
        // The same finding wrapped in an EventBridge envelope is the same alert.
        let detailText = String(decoding: try Samples.data("guardduty-finding-detail.json"), as: UTF8.self)
        let event = #"{"version":"0","id":"e1","detail-type":"GuardDuty Finding","source":"aws.guardduty","account":"111122223333","time":"2025-06-01T03:46:00Z","region":"eu-west-1","resources":[],"detail":"# + detailText + "}"
        let e = try #require(try Self.decode(json: event).alerts.first)
        #expect(e.fingerprint == d.fingerprint && e.labels == d.labels)
    }

    @Test func pascalAndCamelGuardDutyAreOneAlert() throws {
        let pascal = #"{"Findings":[{"AccountId":"1","Region":"r","Id":"x","Type":"T:A/B","Severity":5.5,"Service":{"Count":1}}]}"#
        let camel = #"{"findings":[{"accountId":"1","region":"r","id":"x","type":"T:A/B","severity":5.5,"service":{"count":1}}]}"#
        let p = try #require(try Self.decode(json: pascal).alerts.first)
        let c = try #require(try Self.decode(json: camel).alerts.first)
        #expect(p.fingerprint == c.fingerprint && p.severity == Severity(id: 3, score: 55))
    }

    @Test func ecrBasicFindingsJoinTrivyAndResolveByDigest() throws {
        let r = try Self.decode("ecr-describe-image-scan-findings.json")
        #expect(r.format == .ecr)
        #expect(r.scopes == [Self.digest])
        #expect(r.alerts.allSatisfy { $0.scope == Self.digest && $0.labels["source"] == "ecr" })
        let crypto = try #require(r.alerts.first { $0.labels["cve"] == "CVE-2024-0727" })
        #expect(crypto.severity == Severity(id: 3, score: 55))
        #expect(crypto.labels["repository"] == "shop/api" && crypto.labels["image"] == "shop/api:1.4.2")
        #expect(crypto.detectedAt == Timestamps.rfc3339("2025-06-01T10:05:00+00:00"))
        let ssl = try #require(r.alerts.first { $0.labels["cve"] == "CVE-2023-5363" })
        #expect(ssl.severity == Severity(id: 4, score: 71))  // CVSS2 7.1 inside HIGH
        let trivy = try Decoders.decode(Samples.data("trivy-image.json"), format: .auto, context: Self.ctx)
        #expect(trivy.alerts.first { $0.labels["cve"] == "CVE-2024-0727" }?.fingerprint == crypto.fingerprint)
        // The count-only ECR event for the same image is in the same scope: the detailed report resolves it.
        let event = try Decoders.decode(Samples.data("ecr-image-scan.json"), format: .auto, context: Self.ctx)
        let countAlert = try #require(event.alerts.first)
        #expect(countAlert.scope == Self.digest)
        let firing = [countAlert.fingerprint: Self.digest]
        #expect(ScanScopeResolution.disappeared(firing: firing, report: r) == [countAlert.fingerprint])
    }

    @Test func ecrEnhancedFindingsAreInspectorFindingsScopedToTheImage() throws {
        let r = try Self.decode("ecr-describe-image-scan-findings-enhanced.json")
        #expect(r.format == .ecr)
        #expect(r.scopes == [Self.digest])
        let crypto = try #require(r.alerts.first { $0.labels["cve"] == "CVE-2024-0727" })
        #expect(crypto.labels["source"] == "inspector2" && crypto.scope == Self.digest)
        #expect(crypto.severity == Severity(id: 3, score: 55))
        #expect(crypto.detectedAt == Date(timeIntervalSince1970: 1_748_772_570))
        let event = try Decoders.decode(Samples.data("inspector2-ecr-finding.json"), format: .auto, context: Self.ctx)
        #expect(event.alerts.first?.fingerprint == crypto.fingerprint)
        let ssl = try #require(r.alerts.first { $0.labels["cve"] == "CVE-2024-5535" })
        #expect(ssl.severity == Severity(id: 5, score: 91))
    }

    @Test func ecrPartialPageOrUnfinishedScanResolvesNothing() throws {
        let page = #"{"imageScanFindings":{"findings":[{"name":"CVE-1","severity":"LOW"}]},"repositoryName":"r","imageId":{"imageDigest":"sha256:a"},"nextToken":"abc"}"#
        let p = try Self.decode(json: page)
        #expect(p.alerts.count == 1 && p.scopes.isEmpty && p.alerts[0].scope == nil)
        let pending = #"{"imageScanFindings":{},"repositoryName":"r","imageId":{"imageTag":"1"},"imageScanStatus":{"status":"IN_PROGRESS"}}"#
        let q = try Self.decode(json: pending)
        #expect(q.alerts.isEmpty && q.scopes.isEmpty)
        let clean = #"{"imageScanFindings":{"findings":[]},"repositoryName":"r","imageId":{"imageTag":"1"},"imageScanStatus":{"status":"COMPLETE"}}"#
        #expect(try Self.decode(json: clean).scopes == ["r:1"])
    }

    @Test(arguments: [
        (#"{"findings":[{"findingArn":"a","type":"PACKAGE_VULNERABILITY","severity":"BAD"}]}"#, "findings[0].severity", "unknown Inspector severity \"BAD\""),
        (#"{"Findings":[{"Id":"x","Type":"T","Severity":12,"Service":{},"AccountId":"1"}]}"#, "Findings[0].Severity", "severity 12.0 is outside 0–10"),
        (#"{"imageScanFindings":{"findings":[{"name":"CVE-1","severity":"LOW","attributes":[{"value":"x"}]}]},"repositoryName":"r"}"#, "imageScanFindings.findings[0].attributes[0].key", "missing"),
        (#"{"imageScanFindings":{"imageScanCompletedAt":"yesterday"},"repositoryName":"r"}"#, "imageScanFindings.imageScanCompletedAt", "not an RFC 3339 timestamp: yesterday"),
    ])
    func badFieldsNameThePath(json: String, path: String, message: String) throws {
        #expect(throws: DecodeError(path: path, message)) { try Self.decode(json: json) }
    }

    @Test func explicitFormatOnABareFindingOfAnotherKind() {
        #expect(throws: DecodeError(path: "findingArn", "missing")) {
            try Self.decode(json: #"{"Id":"x","Type":"T","Severity":5}"#, .inspector2)
        }
    }
}
