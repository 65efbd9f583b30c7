import Foundation
import Testing
@testable import KlaxonCore

/// Trivy outputs besides the SchemaVersion 2 report: `trivy k8s` (all and summary, and the
/// pre-0.40 layout), the pre-SchemaVersion-2 list, CycloneDX and SPDX.
@Suite struct TrivyShapesTests {
    static let ctx = DecodeContext(receivedAt: Date(timeIntervalSince1970: 1_750_000_000))
    static let digest = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

    static func decode(_ name: String) throws -> DecodedReport {
        try Decoders.decode(Samples.data(name), format: .auto, context: ctx)
    }

    @Test func clusterReportScopesEachResource() throws {
        let r = try Self.decode("trivy-k8s-cluster.json")
        #expect(r.format == .trivy)
        // kube-proxy failed to scan: its findings are unknown, so it resolves nothing.
        #expect(r.scopes == ["k8s:prod-eu/shop/Deployment/api", "k8s:prod-eu/shop/CronJob/nightly-report", "k8s:prod-eu//ClusterRole/ops-admin"])
        // The same image in the Deployment and the CronJob is one alert per CVE.
        let crypto = r.alerts.filter { $0.labels["cve"] == "CVE-2024-0727" }
        #expect(crypto.count == 1)
        let c = try #require(crypto.first)
        #expect(c.labels["artifact"] == Self.digest && c.labels["cluster"] == "prod-eu" && c.labels["namespace"] == "shop")
        #expect(c.labels["workload"] == "Deployment/api" && c.scope == "k8s:prod-eu/shop/Deployment/api")
        #expect(c.severity == Severity(id: 3, score: 55))
        // …and the same alert as the CI scan of that image.
        let ci = try Self.decode("trivy-image.json")
        #expect(ci.alerts.first { $0.labels["cve"] == "CVE-2024-0727" }?.fingerprint == c.fingerprint)
        let ksv = try #require(r.alerts.first { $0.labels["rule"] == "KSV012" })
        #expect(ksv.labels["artifact"] == "k8s:prod-eu/shop/Deployment/api" && ksv.labels["target"] == "Deployment/api")
        #expect(ksv.labels["line"] == "20" && ksv.severity == .medium)
        let role = try #require(r.alerts.first { $0.labels["rule"] == "KSV046" })
        #expect(role.severity == .critical && role.labels["namespace"] == nil && role.labels["workload"] == "ClusterRole/ops-admin")
    }

    @Test func laterClusterReportResolvesWhatAWorkloadNoLongerHas() throws {
        let first = try Self.decode("trivy-k8s-cluster.json")
        let summary = try Self.decode("trivy-k8s-summary.json")
        #expect(summary.scopes == ["k8s:prod-eu/shop/Deployment/api", "k8s:prod-eu/shop/Service/api"])
        let firing = Dictionary(first.alerts.map { ($0.fingerprint, $0.scope ?? "") }, uniquingKeysWith: { a, _ in a })
        let gone = ScanScopeResolution.disappeared(firing: firing, report: summary)
        // libssl3's CVE is gone from Deployment/api; the ClusterRole was not in this report.
        let ssl = try #require(first.alerts.first { $0.labels["cve"] == "CVE-2024-5535" })
        #expect(gone == [ssl.fingerprint])
        // Summary and full report name a finding the same way.
        let ksv = summary.alerts.first { $0.labels["rule"] == "KSV012" }
        #expect(ksv?.fingerprint == first.alerts.first { $0.labels["rule"] == "KSV012" }?.fingerprint)
    }

    @Test func preV040ClusterLayout() throws {
        let json = #"""
        {"ClusterName":"c","Vulnerabilities":[{"Namespace":"n","Kind":"Pod","Name":"p","Results":[{"Target":"nginx:1.25 (debian 12.4)","Class":"os-pkgs","Vulnerabilities":[{"VulnerabilityID":"CVE-1","PkgName":"zlib","InstalledVersion":"1","Severity":"HIGH"}]}]}],
         "Misconfigurations":[{"Namespace":"n","Kind":"Pod","Name":"p","Results":[{"Target":"Pod/p","Class":"config","Misconfigurations":[{"ID":"KSV001","Severity":"LOW","Status":"FAIL"}]}]}]}
        """#
        let r = try Decoders.decode(Data(json.utf8), format: .auto, context: Self.ctx)
        #expect(r.format == .trivy && r.scopes == ["k8s:c/n/Pod/p"])
        #expect(Fixtures.histogram(r.alerts) == ["high": 1, "low": 1])
        #expect(r.alerts.first { $0.labels["cve"] == "CVE-1" }?.labels["artifact"] == "nginx:1.25")
    }

    @Test func legacyListScopesTheImageNamedByItsOSTarget() throws {
        let r = try Self.decode("trivy-legacy-list.json")
        #expect(r.format == .trivy)
        #expect(r.scopes == ["registry.example.com/shop/api:1.4.2"])
        let crypto = try #require(r.alerts.first { $0.labels["cve"] == "CVE-2024-0727" })
        #expect(crypto.severity == Severity(id: 3, score: 55) && crypto.labels["image"] == "registry.example.com/shop/api:1.4.2")
        let semver = try #require(r.alerts.first { $0.labels["cve"] == "CVE-2022-25883" })
        #expect(semver.severity == .high && semver.labels["target"] == "app/package-lock.json")
        #expect(r.alerts.allSatisfy { $0.scope == "registry.example.com/shop/api:1.4.2" })
    }

    @Test func legacyListWithoutImageScopesTheFirstTarget() throws {
        let json = #"[{"Target":"go.sum","Type":"gomod","Vulnerabilities":[{"VulnerabilityID":"GHSA-x","PkgName":"m","InstalledVersion":"1","Severity":"LOW"}]}]"#
        let r = try Decoders.decode(Data(json.utf8), format: .auto, context: Self.ctx)
        #expect(r.scopes == ["go.sum"] && r.alerts.count == 1 && r.alerts[0].severity == .low)
        #expect(throws: DecodeError(path: "[0].Target", "missing: no result names a target to scope the report")) {
            try Decoders.decode(Data(#"[{"Type":"npm"}]"#.utf8), format: .trivy, context: Self.ctx)
        }
        #expect(try Decoders.decode(Data("[]".utf8), format: .trivy, context: Self.ctx).alerts.isEmpty)
    }

    @Test func cycloneDXVulnerabilitiesShareTheTrivyIdentity() throws {
        let r = try Self.decode("trivy-cyclonedx.json")
        #expect(r.format == .trivy && r.scopes == [Self.digest])
        let crypto = try #require(r.alerts.first { $0.labels["cve"] == "CVE-2024-0727" })
        // The vulnerability's own source (alpine) has no rating: NVD's is used.
        #expect(crypto.severity == Severity(id: 3, score: 55) && crypto.labels["source"] == "trivy")
        #expect(crypto.labels["image"] == "registry.example.com/shop/api:1.4.2")
        #expect(crypto.annotations["summary"] == "openssl: denial of service via null dereference")
        let json = try Self.decode("trivy-image.json")
        #expect(json.alerts.first { $0.labels["cve"] == "CVE-2024-0727" }?.fingerprint == crypto.fingerprint)
        let log4j = try #require(r.alerts.first { $0.labels["cve"] == "CVE-2021-44228" })
        #expect(log4j.labels["package"] == "org.apache.logging.log4j:log4j-core" && log4j.severity == .critical)
        let semver = try #require(r.alerts.first { $0.labels["cve"] == "CVE-2022-25883" })
        #expect(semver.severity == Severity(id: 4, score: 75))  // ghsa's rating, not nvd's medium
    }

    @Test func sbomWithoutVulnerabilitiesIsNoAlertsAndNoScope() throws {
        let spdx = try Self.decode("trivy-spdx.json")
        #expect(spdx.format == .trivy && spdx.alerts.isEmpty && spdx.scopes.isEmpty)
        let inventory = #"{"bomFormat":"CycloneDX","specVersion":"1.5","metadata":{"component":{"name":"app","type":"container"}},"components":[{"bom-ref":"a","name":"zlib","version":"1"}]}"#
        let r = try Decoders.decode(Data(inventory.utf8), format: .auto, context: Self.ctx)
        #expect(r.format == .trivy && r.alerts.isEmpty && r.scopes.isEmpty)
    }

    @Test func cycloneDXUnknownRefNamesThePath() {
        let bom = #"{"bomFormat":"CycloneDX","metadata":{"component":{"name":"app"}},"vulnerabilities":[{"id":"CVE-1","affects":[{"ref":"nope"}]}]}"#
        #expect(throws: DecodeError(path: "vulnerabilities[0].affects[0].ref", "no component with bom-ref \"nope\"")) {
            try Decoders.decode(Data(bom.utf8), format: .auto, context: Self.ctx)
        }
    }
}
