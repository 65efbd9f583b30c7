import Foundation
import Testing
@testable import KlaxonCore

@Suite struct NoiseScopeResolutionTests {
    typealias F = NoiseFixtures

    @Test func fixedCVEResolvesInNightThreeAndNewCVEDoesNot() {
        let image = "sha256:aaa"
        let a = F.vuln(cve: "CVE-2024-0001", artifact: image)
        let b = F.vuln(cve: "CVE-2024-0002", artifact: image)
        let c = F.vuln(cve: "CVE-2024-0003", artifact: image)
        let other = F.vuln(cve: "CVE-2024-0002", artifact: "sha256:bbb")
        var firing: [Fingerprint: String] = [:]
        var resolvedPerNight: [[Fingerprint]] = []
        let nights: [[Alert]] = [[a, b], [a, b], [a, c]]
        firing[other.fingerprint] = other.scope
        for alerts in nights {
            let report = DecodedReport(format: .trivy, alerts: alerts, scopes: [image])
            let gone = ScanScopeResolution.disappeared(firing: firing, report: report)
            resolvedPerNight.append(gone)
            for fp in gone { firing[fp] = nil }
            for alert in alerts { firing[alert.fingerprint] = alert.scope }
        }
        #expect(resolvedPerNight == [[], [], [b.fingerprint]])
        #expect(Set(firing.keys) == [a.fingerprint, c.fingerprint, other.fingerprint])
    }

    @Test func onlyCoveredScopesResolve() {
        let fp = (1...4).map { Fingerprint(value: UInt64($0)) }
        let firing = [fp[0]: "img-1", fp[1]: "img-1", fp[2]: "img-2", fp[3]: "img-3"]
        #expect(ScanScopeResolution.disappeared(firing: firing, reportScopes: ["img-1", "img-3"], present: [fp[1]]) == [fp[0], fp[3]])
        #expect(ScanScopeResolution.disappeared(firing: firing, reportScopes: [], present: []) == [], "runtime events cover no scope")
        #expect(ScanScopeResolution.disappeared(firing: firing, reportScopes: ["img-2"], present: [fp[2]]) == [])
        #expect(ScanScopeResolution.disappeared(firing: [:], reportScopes: ["img-1"], present: []) == [])
    }
}
