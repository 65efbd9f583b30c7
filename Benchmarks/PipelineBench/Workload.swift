import Foundation

/// Synthetic inputs shaped like the real ones: distinct Falco events (~1 KB each) and Trivy
/// reports of a fixed number of vulnerabilities per image.
enum Workload {
    /// The `i`-th Falco event: host, container and process vary, so every event is a new alert.
    static func falcoEvent(_ i: Int) -> Data {
        let host = "node-\(i % 97)"
        let container = String(format: "%012x", i)
        let rules = ["Read sensitive file untrusted", "Terminal shell in container", "Write below etc", "Unexpected outbound connection"]
        let priorities = ["Warning", "Notice", "Critical", "Error"]
        let rule = rules[i % rules.count]
        let priority = priorities[(i / 7) % priorities.count]
        let process = "proc\(i % 5_003)"
        let json = """
            {"hostname":"\(host)","output":"10:20:30.123456789: \(priority) \(rule) (user=root file=/etc/shadow process=\(process) container_id=\(container) image=docker.io/library/busybox command=\(process) --flag-\(i))","priority":"\(priority)","rule":"\(rule)","source":"syscall","tags":["filesystem","mitre_credential_access","T1555"],"time":"2025-06-01T10:20:30.123456789Z","output_fields":{"container.id":"\(container)","container.image.repository":"docker.io/library/busybox","container.image.tag":"1.36","evt.time":1748773230123456789,"fd.name":"/etc/shadow","k8s.ns.name":"ns-\(i % 31)","k8s.pod.name":"api-5d8f7c9b6-\(container)","proc.aname[2]":"containerd-shim","proc.cmdline":"\(process) /etc/shadow --verbose --output=/tmp/out-\(i).log","proc.name":"\(process)","proc.pid":\(4242 + i),"user.loginuid":-1,"user.name":"root"}}
            """
        return Data(json.utf8)
    }

    /// A Trivy image report for image `image` with `count` vulnerabilities.
    static func trivyReport(image: Int, count: Int) -> Data {
        let severities = ["CRITICAL", "HIGH", "MEDIUM", "LOW"]
        var vulns: [String] = []
        vulns.reserveCapacity(count)
        for v in 0..<count {
            vulns.append("""
                {"VulnerabilityID":"CVE-2024-\(10_000 + v)","PkgID":"libpkg\(v)@1.\(v % 9).0","PkgName":"libpkg\(v)","InstalledVersion":"1.\(v % 9).0","FixedVersion":"1.\(v % 9).1","Status":"fixed","SeveritySource":"nvd","PrimaryURL":"https://avd.aquasec.com/nvd/cve-2024-\(10_000 + v)","Title":"libpkg\(v): a flaw in parsing","Description":"A crafted input may crash the parser of libpkg\(v).","Severity":"\(severities[v % 4])","CVSS":{"nvd":{"V3Score":\(Double(30 + v % 70) / 10)}},"PublishedDate":"2024-01-26T09:15:07.837Z"}
                """)
        }
        let digest = String(format: "%064x", image)
        let json = """
            {"SchemaVersion":2,"CreatedAt":"2025-06-01T10:00:00Z","ArtifactName":"registry.example.com/team/app\(image):1.0","ArtifactType":"container_image","Metadata":{"OS":{"Family":"alpine","Name":"3.19.1"},"ImageID":"sha256:\(digest)","RepoTags":["registry.example.com/team/app\(image):1.0"],"RepoDigests":["registry.example.com/team/app\(image)@sha256:\(digest)"]},"Results":[{"Target":"registry.example.com/team/app\(image):1.0 (alpine 3.19.1)","Class":"os-pkgs","Type":"alpine","Vulnerabilities":[\(vulns.joined(separator: ","))]}]}
            """
        return Data(json.utf8)
    }

    /// The root's `group_interval`: 5m, or `$PIPELINEBENCH_GROUP_INTERVAL` (e.g. `20s`, so a
    /// run of a few minutes sees the re-flushes of changed groups a long run sees at 5m).
    static let groupInterval = ProcessInfo.processInfo.environment["PIPELINEBENCH_GROUP_INTERVAL"] ?? "5m"

    /// A routing tree of `routes` children under the root, each with its own file receiver,
    /// matching on namespace or severity; a catch-all file receiver at the root.
    static func routes(dir: String, routes: Int = 50) -> String {
        var out = """
            route:
              receiver: all
              group_by: ['alertname', 'host']
              group_wait: 0s
              group_interval: \(groupInterval)
              repeat_interval: 4h
              routes:

            """
        for r in 0..<routes {
            let matcher = r % 2 == 0 ? "namespace=\"ns-\(r % 31)\"" : "severity=~\"critical|high\""
            out += """
                    - receiver: r\(r)
                      matchers: ['\(matcher)']
                      continue: \(r % 5 == 0 ? "true" : "false")

                """
        }
        // `PIPELINEBENCH_DOWN_RECEIVERS=1`: every receiver a webhook nobody answers, so every
        // notification stays pending and goes to the state changelog (the outbox's worst case).
        if ProcessInfo.processInfo.environment["PIPELINEBENCH_DOWN_RECEIVERS"] == "1" {
            out += "receivers:\n  - name: all\n    webhook_configs: [{url: 'http://127.0.0.1:9/down'}]\n"
            for r in 0..<routes { out += "  - name: r\(r)\n    webhook_configs: [{url: 'http://127.0.0.1:9/down'}]\n" }
        } else {
            out += "receivers:\n  - name: all\n    file_configs: [{path: \(dir)/all.jsonl}]\n"
            for r in 0..<routes { out += "  - name: r\(r)\n    file_configs: [{path: \(dir)/r\(r).jsonl}]\n" }
        }
        out += "environment_thresholds: {}\n"
        // `PIPELINEBENCH_INHIBIT=1`: with an inhibit rule, so the inhibitor and the changelog's
        // inhibition sources are in play (critical Falco events mute lower ones on their host).
        if ProcessInfo.processInfo.environment["PIPELINEBENCH_INHIBIT"] == "1" {
            out += "inhibit_rules:\n  - source_matchers: ['severity=\"critical\"']\n    target_matchers: ['severity=~\"low|info\"']\n    equal: ['host']\n"
        }
        return out
    }

    /// `$PIPELINEBENCH_KAFKA_PROPERTIES` ("key=value,key=value"), added to the service's Kafka
    /// properties: to measure a librdkafka setting without a rebuild.
    static var extraKafkaProperties: String {
        let raw = ProcessInfo.processInfo.environment["PIPELINEBENCH_KAFKA_PROPERTIES"] ?? ""
        return raw.split(separator: ",").map { pair in
            let kv = pair.split(separator: "=", maxSplits: 1)
            return ", \(kv[0]): '\(kv.count > 1 ? kv[1] : "")'"
        }.joined()
    }

    /// `$PIPELINEBENCH_CONFIG`: YAML appended to the service's config (top-level sections not
    /// set above, e.g. `delivery: {concurrency: 1}`), to measure a setting without a rebuild.
    static var extraConfig: String {
        ProcessInfo.processInfo.environment["PIPELINEBENCH_CONFIG"].map { "\n" + $0 } ?? ""
    }

    static func serviceConfig(
        brokers: String, dir: String, topics: [String], maxRecords: Int = 2000, alertsPartitions: Int32? = nil, properties: [String: String] = [:]
    ) -> String {
        """
        kafka:
          brokers: \(brokers)\(alertsPartitions.map { "\n  alerts_partitions: \($0)" } ?? "")
          group_id: pipeline-bench
          topics:
        \(topics.map { "    - {name: \($0), format: auto}" }.joined(separator: "\n"))
          dead_letter_topic: bench.deadletter
          batch: {max_records: \(maxRecords), max_wait: 50ms}
          properties: {auto.offset.reset: earliest\(properties.sorted { $0.key < $1.key }.map { ", \($0.key): '\($0.value)'" }.joined())\(extraKafkaProperties)}
        state:
          path: \(dir)/klaxon.db
        routes: [\(dir)/routes.yml]\(extraConfig)
        """
    }
}
