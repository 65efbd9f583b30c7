import Foundation
import Testing
@testable import KlaxonCore

@Suite(.enabled(if: Fixtures.enabled, "shared fixtures not found"))
struct TrivyFixtureTests {
    struct Expectation: Sendable, CustomTestStringConvertible {
        let file: String
        let severities: [String: Int]
        let categories: [String: Int]
        var testDescription: String { file }
    }

    // Counts read from the files: Vulnerabilities + FAIL Misconfigurations + Secrets, with the
    // same (id, package, version) in several Results counted once.
    static let cases: [Expectation] = [
        .init(file: "defectdojo-trivy-all-statuses.json", severities: ["low": 8], categories: ["vulnerability": 8]),
        .init(file: "defectdojo-trivy-misconfigurations-and-secrets.json", severities: ["high": 2, "medium": 1, "critical": 2],
              categories: ["vulnerability": 2, "misconfiguration": 1, "secret": 2]),
        .init(file: "defectdojo-trivy-scheme2-many-vulns.json", severities: ["medium": 3, "high": 1, "critical": 1], categories: ["vulnerability": 5]),
        .init(file: "trivy-action-config-scan-v0.72.0.json", severities: ["high": 5, "low": 2, "medium": 1], categories: ["misconfiguration": 8]),
        .init(file: "trivy-action-secret-scan-v0.72.0.json", severities: ["critical": 1], categories: ["secret": 1]),
        .init(file: "trivy-golden-alpine-310-image.json", severities: ["medium": 4], categories: ["vulnerability": 4]),
        .init(file: "trivy-golden-centos-7-image.json", severities: ["low": 2, "medium": 1], categories: ["vulnerability": 3]),
        .init(file: "trivy-golden-debian-buster-image.json", severities: ["low": 1, "critical": 1], categories: ["vulnerability": 2]),
        .init(file: "trivy-golden-dockerfile-misconfig.json", severities: ["high": 1], categories: ["misconfiguration": 1]),
        .init(file: "trivy-golden-fluentd-gems-os-and-lang.json", severities: ["critical": 1, "high": 1], categories: ["vulnerability": 2]),
        .init(file: "trivy-golden-gomod-repo-unknown-severity.json", severities: ["unknown": 2, "medium": 1], categories: ["vulnerability": 3]),
        .init(file: "trivy-golden-helm-testchart-misconfig.json", severities: ["medium": 3, "low": 2, "high": 1], categories: ["misconfiguration": 6]),
        .init(file: "trivy-golden-pom-java-repo.json", severities: ["critical": 1, "high": 1], categories: ["vulnerability": 2]),
        .init(file: "trivy-golden-secrets-repo.json", severities: ["critical": 1, "high": 1], categories: ["secret": 2]),
    ]

    @Test(arguments: cases)
    func decodesFixture(_ c: Expectation) throws {
        let report = try Fixtures.decode("trivy/" + c.file)
        #expect(report.format == .trivy)
        #expect(Fixtures.histogram(report.alerts) == c.severities)
        let categories = report.alerts.reduce(into: [String: Int]()) { $0[$1.labels["category"] ?? "?", default: 0] += 1 }
        #expect(categories == c.categories)
        #expect(report.scopes.count == 1)
        for a in report.alerts {
            #expect(a.labels["source"] == "trivy")
            #expect(a.scope == report.scopes.first)
            #expect(a.labels["artifact"] == report.scopes.first)
            #expect(a.severity.name == a.labels["severity"])
            #expect(a.labels["alertname"]?.isEmpty == false)
        }
        // Fingerprints are unique within a report (duplicates were merged).
        #expect(Set(report.alerts.map(\.fingerprint)).count == report.alerts.count)
    }

    @Test func everyTrivyFileIsCovered() throws {
        let listed = Set(Self.cases.map { "trivy/" + $0.file })
        #expect(Set(try Fixtures.files(in: "trivy")) == listed)
    }

    @Test func vulnerabilityFieldsAlpine() throws {
        let report = try Fixtures.decode("trivy/trivy-golden-alpine-310-image.json")
        let a = try #require(report.alerts.first { $0.labels["cve"] == "CVE-2019-1549" && $0.labels["package"] == "libcrypto1.1" })
        #expect(a.labels["installed_version"] == "1.1.1c-r0")
        #expect(a.annotations["fixed_version"] == "1.1.1d-r0")
        #expect(a.labels["image"] == "ghcr.io/aquasecurity/trivy-test-images:alpine-310")
        // No RepoDigests in this report: the artifact is its name.
        #expect(a.labels["artifact"] == "testdata/fixtures/images/alpine-310.tar.gz")
        // SeveritySource nvd, V3Score 5.3 → 53.
        #expect(a.severity == Severity(id: 3, score: 53))
        #expect(a.annotations["cvss_source"] == "nvd")
        #expect(a.detectedAt == Timestamps.rfc3339("2021-08-25T12:20:30.000000005Z"))
        #expect(a.occurredAt != nil)
        #expect(a.annotations["references"]?.contains("\n") == true)
    }

    @Test func severitySourceWithoutCVSSKeepsLabelScore() throws {
        // debian-rated LOW with nvd 7.8: Trivy's label wins and nvd's number is not used.
        let report = try Fixtures.decode("trivy/trivy-golden-debian-buster-image.json")
        let low = try #require(report.alerts.first { $0.labels["cve"] == "CVE-2019-18276" })
        #expect(low.severity == .low)
        #expect(low.annotations["cvss_score"] == nil)
        // centos: redhat LOW with redhat V3 7.8 → kept in the low band.
        let centos = try Fixtures.decode("trivy/trivy-golden-centos-7-image.json")
        let c = try #require(centos.alerts.first { $0.labels["cve"] == "CVE-2019-18276" })
        #expect(c.severity == Severity(id: 2, score: 39))
    }

    @Test func repeatedFindingAcrossResultsIsOneAlert() throws {
        let report = try Fixtures.decode("trivy/trivy-golden-gomod-repo-unknown-severity.json")
        let gms = report.alerts.filter { $0.labels["cve"] == "GMS-2022-20" }
        #expect(gms.count == 1)
        #expect(gms.first?.annotations["targets"]?.split(separator: "\n").count == 3)
    }

    @Test func emptyArtifactNameFallsBackToImageID() throws {
        let report = try Fixtures.decode("trivy/defectdojo-trivy-all-statuses.json")
        #expect(report.scopes == ["sha256:22ae3921bdaac434bb4cb92dbbc209e46b1f3f70e9fa0b5fbbb43ce7d452c72d"])
    }

    @Test func secretsAndMisconfigurationLabels() throws {
        let report = try Fixtures.decode("trivy/defectdojo-trivy-misconfigurations-and-secrets.json")
        let secrets = report.alerts.filter { $0.labels["category"] == "secret" }
        #expect(Set(secrets.map { $0.labels["target"] ?? "" }) == ["Dockerfile", "secret.txt"])
        #expect(secrets.allSatisfy { $0.labels["rule"] == "github-pat" })
        let misconf = try #require(report.alerts.first { $0.labels["category"] == "misconfiguration" })
        #expect(misconf.labels["rule"] == "DS002")
        #expect(misconf.severity == .high)
    }
}

@Suite struct TrivyDecoderTests {
    static let ctx = DecodeContext(receivedAt: Date(timeIntervalSince1970: 1_700_000_000), environment: "prod", extraLabels: ["team": "core", "source": "ignored"])

    static func report(vulns: String, metadata: String = #"{"RepoDigests":["reg.example/app@sha256:abc"],"RepoTags":["reg.example/app:1.2"]}"#) -> Data {
        Data(#"{"SchemaVersion":2,"ArtifactName":"reg.example/app:1.2","ArtifactType":"container_image","Metadata":\#(metadata),"Results":[{"Target":"app (alpine 3.19)","Class":"os-pkgs","Vulnerabilities":[\#(vulns)]}]}"#.utf8)
    }

    static let vuln = #"{"VulnerabilityID":"CVE-2024-0001","PkgName":"openssl","InstalledVersion":"3.1.4-r0","Severity":"HIGH","PublishedDate":"2024-01-02T03:04:05Z","CVSS":{"ghsa":{"V3Score":7.1},"nvd":{"V40Score":9.3}}}"#

    @Test func labelsContextAndDigestScope() throws {
        let r = try Decoders.decode(Self.report(vulns: Self.vuln), format: .trivy, context: Self.ctx)
        let a = try #require(r.alerts.first)
        #expect(r.scopes == ["sha256:abc"])
        #expect(a.labels["artifact"] == "sha256:abc")
        #expect(a.labels["image"] == "reg.example/app:1.2")
        #expect(a.labels["environment"] == "prod")
        #expect(a.labels["team"] == "core")
        #expect(a.labels["source"] == "trivy")  // extra labels never override
        #expect(a.occurredAt == Timestamps.make(year: 2024, month: 1, day: 2, hour: 3, minute: 4, second: 5))
        #expect(a.detectedAt == Self.ctx.receivedAt)  // no CreatedAt
        // No SeveritySource: nvd first (V3 absent → V4.0 9.3), clamped into HIGH's band.
        #expect(a.severity == Severity(id: 4, score: 89))
    }

    @Test func fingerprintIgnoresTopicLabels() throws {
        let a = try Decoders.decode(Self.report(vulns: Self.vuln), format: .trivy, context: Self.ctx).alerts[0]
        let b = try Decoders.decode(Self.report(vulns: Self.vuln), format: .trivy, context: DecodeContext(receivedAt: .distantPast)).alerts[0]
        #expect(a.fingerprint == b.fingerprint)
        #expect(a.fingerprint == Fingerprint(labels: a.labels, keys: FingerprintIdentity.vulnerability))
    }

    @Test func wrongTypeNamesThePath() {
        let bad = Self.report(vulns: Self.vuln + #",{"VulnerabilityID":"CVE-1","PkgName":"x","Severity":3}"#)
        #expect(throws: DecodeError(path: "Results[0].Vulnerabilities[1].Severity", "expected a string, found a number")) {
            try Decoders.decode(bad, format: .trivy, context: Self.ctx)
        }
    }

    @Test func missingFieldNamesThePath() {
        let bad = Self.report(vulns: #"{"PkgName":"x","Severity":"LOW"}"#)
        #expect(throws: DecodeError(path: "Results[0].Vulnerabilities[0].VulnerabilityID", "missing")) {
            try Decoders.decode(bad, format: .trivy, context: Self.ctx)
        }
    }

    @Test func unsupportedSchemaVersion() {
        let bad = Data(#"{"SchemaVersion":1,"ArtifactName":"x","Results":[]}"#.utf8)
        #expect(throws: DecodeError.self) { try Decoders.decode(bad, format: .trivy, context: Self.ctx) }
    }

    @Test func emptyReportStillResolvesItsScope() throws {
        let r = try Decoders.decode(Data(#"{"SchemaVersion":2,"ArtifactName":"app:1"}"#.utf8), format: .auto, context: Self.ctx)
        #expect(r.alerts.isEmpty)
        #expect(r.scopes == ["app:1"])
    }

    @Test func manyRepeatsOfOneFindingAreOneAlert() throws {
        let v = #"{"VulnerabilityID":"CVE-1","PkgName":"p","InstalledVersion":"1","Severity":"LOW"}"#
        let many = Array(repeating: v, count: 10_000).joined(separator: ",")
        let data = Data(#"{"SchemaVersion":2,"ArtifactName":"a","Results":[{"Target":"t1","Vulnerabilities":[\#(many)]},{"Target":"t2","Vulnerabilities":[\#(many)]}]}"#.utf8)
        let r = try Decoders.decode(data, format: .trivy, context: Self.ctx)
        #expect(r.alerts.count == 1)
        #expect(r.alerts.first?.annotations["targets"] == "t1\nt2")
    }

    @Test func passingMisconfigurationsAreNotAlerts() throws {
        let data = Data(#"{"SchemaVersion":2,"ArtifactName":"repo","Results":[{"Target":"Dockerfile","Misconfigurations":[{"ID":"DS001","Severity":"LOW","Status":"PASS"},{"ID":"DS002","Severity":"HIGH","Status":"FAIL"}]}]}"#.utf8)
        let r = try Decoders.decode(data, format: .trivy, context: Self.ctx)
        #expect(r.alerts.map { $0.labels["rule"] } == ["DS002"])
    }
}
