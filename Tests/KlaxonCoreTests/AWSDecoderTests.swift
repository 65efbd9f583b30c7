import Foundation
import Testing
@testable import KlaxonCore

@Suite(.enabled(if: Fixtures.enabled, "shared fixtures not found"))
struct AWSFixtureTests {
    @Test func guardDutyNDJSON() throws {
        let r = try Fixtures.decode("guardduty/foxsec-guardduty-sample-findings.jsonl")
        #expect(r.format == .guardduty)
        #expect(r.alerts.count == 19)
        // detail.severity 5 ×14, 8 ×3, 2 ×2.
        #expect(Fixtures.histogram(r.alerts) == ["medium": 14, "high": 3, "low": 2])
        #expect(Set(r.alerts.map(\.fingerprint)).count == 19)
        #expect(r.alerts.allSatisfy { $0.labels["category"] == "threat" && $0.labels["account"] == "123456789012" && $0.resolvedAt == nil })
        #expect(r.alerts.filter { $0.labels["resource_type"] == "AccessKey" }.count == 8)
    }

    @Test(arguments: [
        ("foxsec-guardduty-dga-domain-sev8.json", "Trojan:EC2/DGADomainRequest.C!DNS", 4, 80),
        ("foxsec-guardduty-dos-tcp-sev8.json", "Backdoor:EC2/DenialOfService.Tcp", 4, 80),
        ("foxsec-guardduty-portprobe-sev2.json", "Recon:EC2/PortProbeEMRUnprotectedPort", 2, 20),
        ("foxsec-guardduty-root-credential-sev2.json", "Policy:IAMUser/RootCredentialUsage", 2, 20),
        ("foxsec-guardduty-tor-ip-caller-sev5.json", "UnauthorizedAccess:EC2/TorIPCaller", 3, 50),
    ])
    func guardDutySingle(file: String, type: String, id: Int, score: Int) throws {
        let r = try Fixtures.decode("guardduty/" + file)
        #expect(r.format == .guardduty)
        let a = try #require(r.alerts.first)
        #expect(r.alerts.count == 1)
        #expect(a.labels["alertname"] == type)
        #expect(a.severity == Severity(id: id, score: score))
        #expect(a.occurredAt != nil && a.detectedAt != nil)
    }

    @Test func guardDutyInstanceHost() throws {
        let a = try #require(try Fixtures.decode("guardduty/foxsec-guardduty-dga-domain-sev8.json").alerts.first)
        #expect(a.labels["host"] == "i-99999999")
        #expect(a.labels["region"] == "us-west-2")
        #expect(a.labels["finding_id"] == "eab59ed2edadbbeec48f69680ca4e979")
        #expect(a.labels["action_type"] == "DNS_REQUEST")
        #expect(a.occurredAt == Timestamps.rfc3339("2019-06-09T19:10:08.219Z"))
    }

    @Test func inspectorEcrImage() throws {
        let r = try Fixtures.decode("inspector2/awsdocs-ecr-inspector2-finding-2021.json")
        #expect(r.format == .inspector2)
        let a = try #require(r.alerts.first)
        #expect(r.alerts.count == 1)
        #expect(a.severity == Severity(id: 3, score: 65))
        #expect(a.labels["cve"] == "CVE-2019-17498")
        #expect(a.labels["package"] == "libssh2")
        #expect(a.labels["installed_version"] == "1.4.3-12.amzn2.2")
        #expect(a.labels["artifact"] == "sha256:36c7b282abd0186e01419f2e58743e1bf635808231049bbc9d77e5EXAMPLE")
        #expect(a.labels["image"] == "123456789012.dkr.ecr.us-east-2.amazonaws.com/amazon/amazon-ecs-sample:latest")
        #expect(a.detectedAt == Timestamps.make(year: 2021, month: 12, day: 3, hour: 18, minute: 2, second: 30))
        #expect(a.occurredAt == Timestamps.make(year: 2019, month: 10, day: 16, hour: 0, minute: 0, second: 0))
        #expect(a.resolvedAt == nil)
    }

    @Test func inspectorEc2ClosedFindingIsResolved() throws {
        let a = try #require(try Fixtures.decode("inspector2/awsdocs-inspector2-ec2-package-vuln-2024.json").alerts.first)
        #expect(a.severity == Severity(id: 3, score: 48))
        #expect(a.labels["host"] == "i-12345678901234567")
        #expect(a.labels["package"] == "snapd")
        #expect(a.resolvedAt == Timestamps.make(year: 2024, month: 9, day: 4, hour: 17, minute: 0, second: 36, nanos: 951_000_000))
    }

    @Test func inspectorLambdaAndNetworkReachability() throws {
        let lambda = try Fixtures.decode("inspector2/awsdocs-inspector2-lambda-package-vuln-2024.json")
        #expect(lambda.alerts.count == 1)
        #expect(lambda.alerts.first?.severity == Severity(id: 4, score: 75))
        #expect(lambda.alerts.first?.labels["installed_version"] == "2.0.0")
        #expect(lambda.alerts.first?.labels["function"] == "VulnerableFunction")
        let net = try Fixtures.decode("inspector2/awsdocs-inspector2-ec2-network-reachability-2024.json")
        let a = try #require(net.alerts.first)
        #expect(net.alerts.count == 1)
        #expect(a.severity == .medium)
        #expect(a.labels["category"] == "misconfiguration")
        #expect(a.labels["cve"] == nil)
        #expect(a.fingerprint == Fingerprint(labels: a.labels, keys: FingerprintIdentity.finding))
    }

    @Test func ecrBasicScans() throws {
        let full = try Fixtures.decode("ecr-scan/aws-lambda-go-ecr-image-scan.json")
        #expect(full.format == .ecr)
        let a = try #require(full.alerts.first)
        #expect(full.alerts.count == 1)
        #expect(a.severity == .critical)
        #expect(a.annotations["count_critical"] == "10")
        #expect(a.annotations["count_high"] == "2")
        #expect(a.annotations["count_informational"] == "0")
        #expect(full.scopes == ["sha256:d4a96ee9443e641fc100e763a0c10928720b50c6e3ea3342d05d7c3435fc5355"])
        #expect(a.labels["image"] == "tribble-image-scan-test:1572471135")
        let sparse = try Fixtures.decode("ecr-scan/awsdocs-ecr-image-scan-2022.json")
        #expect(sparse.alerts.count == 1)
        #expect(sparse.alerts.first?.severity == .critical)
        #expect(sparse.alerts.first?.annotations["count_high"] == nil)
        #expect(sparse.alerts.first?.labels["image"] == "my-repository-name")
    }

    @Test(arguments: [
        ("asr-securityhub-imported-cis-1.4-medium.json", 3, 40, "1.4"),
        ("asr-securityhub-imported-afsbp-ec2.7-informational.json", 1, 0, "EC2.7"),
        ("asr-securityhub-custom-action-cis-2.3-critical.json", 5, 90, "2.3"),
        ("asr-securityhub-custom-action-afsbp-rds.6-low.json", 2, 10, "RDS.6"),
    ])
    func securityHub(file: String, id: Int, score: Int, control: String) throws {
        let r = try Fixtures.decode("securityhub/" + file)
        #expect(r.format == .securityhub)
        let a = try #require(r.alerts.first)
        #expect(r.alerts.count == 1)
        #expect(a.severity == Severity(id: id, score: score))
        #expect(a.labels["alertname"] == control)
        #expect(a.labels["category"] == "compliance")
        #expect(a.labels["account"] == "111111111111")
        #expect(a.resolvedAt == nil)
        #expect((a.annotations["custom_action"] != nil) == file.contains("custom-action"))
    }
}

@Suite struct AWSDecoderTests {
    static let ctx = DecodeContext(receivedAt: Date(timeIntervalSince1970: 1_700_000_000))
    static let digest = "sha256:1111111111111111111111111111111111111111111111111111111111111111"

    static let inspector = Data("""
    {"version":"0","id":"e1","detail-type":"Inspector2 Finding","source":"aws.inspector2","account":"111122223333","time":"2024-01-01T00:00:00Z","region":"eu-west-1","resources":[],
     "detail":{"awsAccountId":"111122223333","findingArn":"arn:aws:inspector2:eu-west-1:111122223333:finding/f1","type":"PACKAGE_VULNERABILITY","severity":"HIGH","status":"ACTIVE",
      "firstObservedAt":"Mon Jan 01 00:00:00.000 UTC 2024","updatedAt":"Mon Jan 01 00:00:00.000 UTC 2024",
      "packageVulnerabilityDetails":{"vulnerabilityId":"CVE-2023-0464","vulnerablePackages":[{"name":"libssl3","version":"3.0.8","release":"r0","epoch":0},{"name":"libcrypto3","version":"3.0.8","release":"r0","epoch":0}]},
      "resources":[{"type":"AWS_ECR_CONTAINER_IMAGE","id":"arn:aws:ecr:eu-west-1:111122223333:repository/app/\(digest)","details":{"awsEcrContainerImage":{"imageHash":"\(digest)","repositoryName":"app","registry":"111122223333","imageTags":["1.0"]}}}]}}
    """.utf8)

    static let trivy = Data("""
    {"SchemaVersion":2,"ArtifactName":"111122223333.dkr.ecr.eu-west-1.amazonaws.com/app:1.0","ArtifactType":"container_image",
     "Metadata":{"RepoDigests":["111122223333.dkr.ecr.eu-west-1.amazonaws.com/app@\(digest)"]},
     "Results":[{"Target":"app (alpine 3.17)","Class":"os-pkgs","Vulnerabilities":[{"VulnerabilityID":"CVE-2023-0464","PkgName":"libssl3","InstalledVersion":"3.0.8-r0","Severity":"HIGH"}]}]}
    """.utf8)

    @Test func trivyAndInspectorShareTheVulnerabilityFingerprint() throws {
        let fromInspector = try Decoders.decode(Self.inspector, format: .auto, context: Self.ctx)
        let fromTrivy = try Decoders.decode(Self.trivy, format: .auto, context: Self.ctx)
        #expect(fromInspector.alerts.count == 2)
        let ssl = try #require(fromInspector.alerts.first { $0.labels["package"] == "libssl3" })
        let t = try #require(fromTrivy.alerts.first)
        #expect(ssl.labels["source"] != t.labels["source"])
        #expect(ssl.fingerprint == t.fingerprint)
        let crypto = try #require(fromInspector.alerts.first { $0.labels["package"] == "libcrypto3" })
        #expect(crypto.fingerprint != t.fingerprint)
    }

    @Test func unknownInspectorTimeStyleIsKeptNotFatal() throws {
        let text = String(decoding: Self.inspector, as: UTF8.self).replacingOccurrences(of: "Mon Jan 01 00:00:00.000 UTC 2024", with: "1704067200")
        let r = try Decoders.decode(Data(text.utf8), format: .inspector2, context: Self.ctx)
        #expect(r.alerts.count == 2)
        #expect(r.alerts[0].detectedAt == Timestamps.rfc3339("2024-01-01T00:00:00Z"))  // envelope time
        #expect(r.alerts[0].annotations["unparsed_times"] == "firstObservedAt=1704067200, updatedAt=1704067200")
    }

    @Test func ecrTopicAcceptsEnhancedScanningEvents() throws {
        let r = try Decoders.decode(Self.inspector, format: .ecr, context: Self.ctx)
        #expect(r.alerts.count == 2)
    }

    @Test func wrongSourceForExplicitFormat() {
        #expect(throws: DecodeError(path: "source", "expected \"aws.guardduty\", found \"aws.inspector2\"")) {
            try Decoders.decode(Self.inspector, format: .guardduty, context: Self.ctx)
        }
    }

    @Test func unsupportedEventBridgeSource() {
        let data = Data(#"{"detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","detail":{}}"#.utf8)
        #expect(throws: DecodeError(path: "source", "unsupported EventBridge source \"aws.ec2\"")) {
            try Decoders.decode(data, format: .auto, context: Self.ctx)
        }
    }

    @Test(arguments: [(9.5, 5, 95), (8.9, 4, 89), (7.0, 4, 70), (4.0, 3, 40), (3.9, 2, 39), (1.0, 2, 10), (0.5, 1, 5)])
    func guardDutySeverityBands(value: Double, id: Int, score: Int) {
        #expect(GuardDutyDecoder.severity(value) == Severity(id: id, score: score))
    }

    @Test func guardDutyFractionalSeverityAndArchived() throws {
        let data = Data(#"{"detail-type":"GuardDuty Finding","source":"aws.guardduty","account":"1","region":"r","detail":{"id":"x","type":"T:X/Y","severity":7.3,"updatedAt":"2024-02-02T00:00:00Z","service":{"archived":true}}}"#.utf8)
        let a = try #require(try Decoders.decode(data, format: .auto, context: Self.ctx).alerts.first)
        #expect(a.severity == Severity(id: 4, score: 73))
        #expect(a.resolvedAt == Timestamps.rfc3339("2024-02-02T00:00:00Z"))
    }

    @Test func guardDutySeverityMustBeNumeric() {
        let data = Data(#"{"detail-type":"GuardDuty Finding","source":"aws.guardduty","detail":{"id":"x","type":"T","severity":[1]}}"#.utf8)
        #expect(throws: DecodeError(path: "detail.severity", "expected a number, found an array")) {
            try Decoders.decode(data, format: .auto, context: Self.ctx)
        }
    }

    @Test func securityHubArchivedIsResolvedAndLabelBeatsNormalized() throws {
        let data = Data(#"{"detail-type":"Security Hub Findings - Imported","source":"aws.securityhub","region":"us-east-1","detail":{"findings":[{"Id":"f1","AwsAccountId":"1","Types":["TTPs/Initial Access"],"Severity":{"Label":"HIGH","Normalized":95},"RecordState":"ARCHIVED","UpdatedAt":"2024-03-03T00:00:00Z","CreatedAt":"2024-03-01T00:00:00Z"},{"Id":"f2","Severity":{"Normalized":45}}]}}"#.utf8)
        let r = try Decoders.decode(data, format: .auto, context: Self.ctx)
        #expect(r.alerts.count == 2)
        #expect(r.alerts[0].severity == Severity(id: 4, score: 89))
        #expect(r.alerts[0].labels["category"] == "threat")
        #expect(r.alerts[0].resolvedAt == Timestamps.rfc3339("2024-03-03T00:00:00Z"))
        #expect(r.alerts[1].severity == Severity(id: 3, score: 45))
    }

    @Test func securityHubVulnerabilityJoinsTheScannerIdentity() throws {
        let data = Data("""
        {"detail-type":"Security Hub Findings - Imported","source":"aws.securityhub","account":"111122223333","region":"eu-west-1","detail":{"findings":[
         {"Id":"arn:aws:inspector2:eu-west-1:111122223333:finding/f9","AwsAccountId":"111122223333","Types":["Software and Configuration Checks/Vulnerabilities/CVE"],
          "Severity":{"Label":"HIGH","Normalized":70},"Title":"CVE-2023-0464 - libssl3","CreatedAt":"2024-01-01T00:00:00Z",
          "Vulnerabilities":[{"Id":"CVE-2023-0464","VulnerablePackages":[{"Name":"libssl3","Version":"3.0.8","Epoch":"0","Release":"r0"}]}],
          "Resources":[{"Type":"AwsEcrContainerImage","Id":"arn:aws:ecr:eu-west-1:111122223333:repository/app/\(Self.digest)","Details":{"AwsEcrContainerImage":{"RepositoryName":"app","ImageDigest":"\(Self.digest)"}}}]}]}}
        """.utf8)
        let ctx = DecodeContext(receivedAt: Self.ctx.receivedAt, environment: "prod", extraLabels: ["team": "a"])
        let hub = try #require(try Decoders.decode(data, format: .auto, context: ctx).alerts.first)
        let trivy = try #require(try Decoders.decode(Self.trivy, format: .auto, context: Self.ctx).alerts.first)
        #expect(hub.labels["category"] == "vulnerability")
        #expect(hub.labels["installed_version"] == "3.0.8-r0")
        #expect(hub.labels["environment"] == "prod" && hub.labels["team"] == "a")
        #expect(hub.severity == Severity(id: 4, score: 70))
        #expect(hub.fingerprint == trivy.fingerprint)
    }

    @Test func inspectorTimestampStyles() {
        #expect(Timestamps.inspector("Dec 3, 2021, 6:02:30 PM") == Timestamps.make(year: 2021, month: 12, day: 3, hour: 18, minute: 2, second: 30))
        #expect(Timestamps.inspector("Oct 16, 2019, 12:00:00 AM") == Timestamps.make(year: 2019, month: 10, day: 16, hour: 0, minute: 0, second: 0))
        #expect(Timestamps.inspector("Wed Sep 04 16:59:44.356 UTC 2024") == Timestamps.make(year: 2024, month: 9, day: 4, hour: 16, minute: 59, second: 44, nanos: 356_000_000))
        #expect(Timestamps.inspector("2024-09-04T16:59:44Z") == Timestamps.make(year: 2024, month: 9, day: 4, hour: 16, minute: 59, second: 44))
        #expect(Timestamps.inspector("Feb 30, 2021, 1:00:00 PM") == nil)
        #expect(Timestamps.inspector("yesterday") == nil)
    }
}
