import Foundation
import Synchronization
@testable import KlaxonCore

/// Small builders shared by the noise-control suites.
enum NoiseFixtures {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15T08:00:00Z

    static func vuln(cve: String, package: String = "openssl", image: String? = "registry.example.com/shop/web:1.4",
                     artifact: String = "sha256:aaa", extra: [String: String] = [:]) -> Alert {
        var labels = ["alertname": cve, "source": "trivy", "category": "vulnerability", "cve": cve,
                      "package": package, "artifact": artifact, "severity": "high"]
        labels["image"] = image
        for (k, v) in extra { labels[k] = v }
        return Alert(labels: labels, severity: .high,
                     fingerprint: Fingerprint(labels: labels, keys: ["category", "artifact", "cve", "package"]),
                     scope: artifact)
    }

    static func falco(rule: String = "Terminal shell in container", host: String = "node-1", container: String = "c1") -> Alert {
        let labels = ["alertname": rule, "source": "falco", "category": "runtime", "rule": rule, "host": host,
                      "container": container, "severity": "medium"]
        return Alert(labels: labels, severity: .medium, fingerprint: Fingerprint(labels: labels, keys: ["source", "rule", "host", "container"]))
    }

    static func load(_ yaml: String, file: String = "routes/noise.yml") throws(ConfigError) -> NoiseConfig {
        try NoiseConfig.load([ConfigSource(file: file, yaml: yaml)])
    }

    static func loadError(_ yaml: String, file: String = "routes/noise.yml") -> String? {
        do {
            _ = try NoiseConfig.load([ConfigSource(file: file, yaml: yaml)])
            return nil
        } catch {
            return error.description
        }
    }
}

/// Labels by fingerprint, for scheduler tests: `GroupScheduler` keeps none, so a test that
/// mutes by label looks them up here (the service reads them from its store).
final class LabelBook: Sendable {
    private let entries = Mutex<[Fingerprint: [String: String]]>([:])

    subscript(_ fp: Fingerprint) -> [String: String]? {
        get { entries.withLock { $0[fp] } }
        set { entries.withLock { $0[fp] = newValue } }
    }
}
