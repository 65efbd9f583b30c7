// DecodeBench: single-core decode throughput of the hot formats. Not a test; run in release:
//   swift run -c release DecodeBench [vulnerabilities] [falco-events] [runs]
// Prints the median of several runs: Trivy MB/s and alerts/s, Falco events/s.
// Targets (issue #3): >= 50 MB/s Trivy, >= 200k Falco events/s.
import Foundation
import KlaxonCore

let args = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let vulnCount = args.count > 0 ? args[0] : 5_000
let falcoCount = args.count > 1 ? args[1] : 100_000
let runs = args.count > 2 ? args[2] : 7

/// One vulnerability shaped like Trivy's real output (trivy-golden-alpine-310-image.json):
/// every key Trivy writes, CVSS from two vendors, references, dates.
func vulnerability(_ i: Int) -> String {
    let sev = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"][i % 5]
    return """
            {
              "VulnerabilityID": "CVE-\(2015 + i % 10)-\(10000 + i)",
              "PkgID": "libpkg\(i % 300)@1.\(i % 7).\(i % 13)-r\(i % 4)",
              "PkgName": "libpkg\(i % 300)",
              "PkgIdentifier": {
                "PURL": "pkg:apk/alpine/libpkg\(i % 300)@1.\(i % 7).\(i % 13)-r\(i % 4)?arch=x86_64\\u0026distro=3.19.1",
                "UID": "c3465bd70876\(String(format: "%04x", i % 65536))"
              },
              "InstalledVersion": "1.\(i % 7).\(i % 13)-r\(i % 4)",
              "FixedVersion": "1.\(i % 7).\(i % 13 + 1)-r0",
              "Status": "fixed",
              "Layer": {
                "Digest": "sha256:9d48c3bd43c520dc2784e868a780e976b207cbf493eaff8c6596eb871cbd9609",
                "DiffID": "sha256:03901b4a2ea88eeaad62dbe59b072b28b6efa00491962b8741081c5df50c65e0"
              },
              "SeveritySource": "nvd",
              "PrimaryURL": "https://avd.aquasec.com/nvd/cve-\(2015 + i % 10)-\(10000 + i)",
              "DataSource": {
                "ID": "alpine",
                "Name": "Alpine Secdb",
                "URL": "https://secdb.alpinelinux.org/"
              },
              "Fingerprint": "sha256:6843bc8bcd09d2629416906fb83f17f31dde9a2702183571f9d447c31858\(String(format: "%04x", i % 65536))",
              "Title": "openssl: information disclosure in fork() number \(i)",
              "Description": "OpenSSL 1.1.1 introduced a rewritten random number generator (RNG). This was intended to include protection in the event of a fork() system call in order to ensure that the parent and child processes did not share the same RNG state. However this protection was not being used in the default case. Fixed in OpenSSL 1.1.1d (Affected 1.1.1-1.1.1c).",
              "Severity": "\(sev)",
              "CweIDs": [
                "CWE-330"
              ],
              "VendorSeverity": {
                "amazon": 2,
                "nvd": 2,
                "redhat": 1
              },
              "CVSS": {
                "nvd": {
                  "V2Vector": "AV:N/AC:M/Au:N/C:P/I:N/A:N",
                  "V3Vector": "CVSS:3.1/AV:L/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N",
                  "V2Score": 4.3,
                  "V3Score": \(Double(i % 100) / 10)
                },
                "redhat": {
                  "V3Vector": "CVSS:3.0/AV:L/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N",
                  "V3Score": 4.8
                }
              },
              "References": [
                "https://access.redhat.com/security/cve/CVE-2019-1549",
                "https://git.openssl.org/gitweb/?p=openssl.git;a=commitdiff;h=1b0fe00e2704b5e20334a16d3c9099d1ba2ef1be",
                "https://nvd.nist.gov/vuln/detail/CVE-2019-1549",
                "https://www.openssl.org/news/secadv/20190910.txt"
              ],
              "PublishedDate": "2019-09-10T17:15:00Z",
              "LastModifiedDate": "2023-11-07T03:02:00Z"
            }
    """
}

func trivyReport(_ n: Int) -> Data {
    let vulns = (0..<n).map(vulnerability).joined(separator: ",\n")
    let s = """
    {
      "SchemaVersion": 2,
      "CreatedAt": "2021-08-25T12:20:30.000000005Z",
      "ArtifactName": "registry.example.com/shop/api:1.4.2",
      "ArtifactType": "container_image",
      "Metadata": {
        "OS": {"Family": "alpine", "Name": "3.19.1"},
        "ImageID": "sha256:961769676411f082461f9ef46626dd7a2d1e2b2a38e6a44364bcbecf51e66dd4",
        "RepoTags": ["registry.example.com/shop/api:1.4.2"],
        "RepoDigests": ["registry.example.com/shop/api@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"]
      },
      "Results": [
        {
          "Target": "registry.example.com/shop/api:1.4.2 (alpine 3.19.1)",
          "Class": "os-pkgs",
          "Type": "alpine",
          "Vulnerabilities": [
    \(vulns)
          ]
        }
      ]
    }
    """
    return Data(s.utf8)
}

/// One Falco json_output event shaped like falco-website-terminal-shell-critical.json.
func falcoEvent(_ i: Int) -> Data {
    let prio = ["Critical", "Warning", "Notice", "Error", "Informational"][i % 5]
    let ns = 1_685_022_245_478_445_995 + Int64(i) * 1_000_003
    return Data("""
    {"hostname":"falco-\(i % 50)","output":"13:44:05.478445995: \(prio) A shell was spawned in a container with an attached terminal (user=root user_loginuid=-1 k8s.ns=default k8s.pod=kubecon-\(i % 200) container=ee97d9c4\(i % 1000) shell=sh parent=runc cmdline=sh -c clear; (bash || ash || sh) terminal=34816 container_id=ee97d9c4\(i % 1000) image=docker.io/library/alpine)","priority":"\(prio)","rule":"Terminal shell in container \(i % 20)","source":"syscall","tags":["container","mitre_execution","shell"],"time":"2023-05-25T13:44:05.478445995Z", "output_fields": {"container.id":"ee97d9c4\(i % 1000)","container.image.repository":"docker.io/library/alpine","evt.time":\(ns),"k8s.ns.name":"default","k8s.pod.name":"kubecon-\(i % 200)","proc.cmdline":"sh -c clear; (bash || ash || sh)","proc.name":"sh","proc.pname":"runc","proc.tty":34816,"user.loginuid":-1,"user.name":"root"}}
    """.utf8)
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

let context = DecodeContext(receivedAt: Date(timeIntervalSince1970: 1_750_000_000), environment: "bench")
let clock = ContinuousClock()

let report = trivyReport(vulnCount)
var trivyMBps: [Double] = [], trivyAlertsps: [Double] = []
var alertCount = 0
for _ in 0..<runs {
    var n = 0
    let t = clock.measure {
        n = (try? Decoders.decode(report, format: .trivy, context: context).alerts.count) ?? -1
    }
    alertCount = n
    trivyMBps.append(Double(report.count) / 1e6 / seconds(t))
    trivyAlertsps.append(Double(n) / seconds(t))
}
guard alertCount == vulnCount else { fatalError("Trivy decode produced \(alertCount) alerts, expected \(vulnCount)") }

let events = (0..<falcoCount).map(falcoEvent)
let falcoBytes = events.reduce(0) { $0 + $1.count }
var falcoEventsps: [Double] = []
for _ in 0..<runs {
    var ok = 0
    let t = clock.measure {
        for e in events where ((try? Decoders.decode(e, format: .falco, context: context).alerts.count) ?? 0) == 1 { ok += 1 }
    }
    guard ok == falcoCount else { fatalError("Falco decoded \(ok) of \(falcoCount) events") }
    falcoEventsps.append(Double(falcoCount) / seconds(t))
}

func fmt(_ x: Double) -> String { String(format: "%.1f", x) }
print("Trivy: \(vulnCount) vulnerabilities, \(fmt(Double(report.count) / 1e6)) MB, median of \(runs) runs")
print("  \(fmt(median(trivyMBps))) MB/s   \(fmt(median(trivyAlertsps) / 1000))k alerts/s   (target >= 50 MB/s)")
print("Falco: \(falcoCount) events (\(falcoBytes / falcoCount) bytes each), one decode call per event, median of \(runs) runs")
print("  \(fmt(median(falcoEventsps) / 1000))k events/s   \(fmt(median(falcoEventsps) * Double(falcoBytes / falcoCount) / 1e6)) MB/s   (target >= 200k events/s)")

// Baseline: Foundation's JSONSerialization only parses (no alerts built), so it is a lower
// bound for any Foundation-based decoder; Klaxon's figures above include building the alerts.
var foundationTrivyMBps: [Double] = []
var foundationFalcoEventsps: [Double] = []
for _ in 0..<runs {
    let t = clock.measure { _ = try? JSONSerialization.jsonObject(with: report) }
    foundationTrivyMBps.append(Double(report.count) / 1e6 / seconds(t))
    let f = clock.measure { for e in events { _ = try? JSONSerialization.jsonObject(with: e) } }
    foundationFalcoEventsps.append(Double(falcoCount) / seconds(f))
}
print("Foundation JSONSerialization, parse only (no alerts built), same inputs, median of \(runs) runs")
print("  Trivy \(fmt(median(foundationTrivyMBps))) MB/s (Klaxon decode: \(fmt(median(trivyMBps) / median(foundationTrivyMBps)))x)   "
      + "Falco \(fmt(median(foundationFalcoEventsps) / 1000))k events/s (Klaxon decode: \(fmt(median(falcoEventsps) / median(foundationFalcoEventsps)))x)")
