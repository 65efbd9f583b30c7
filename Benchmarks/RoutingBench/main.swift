// RoutingBench: single-core cost of the routing decision and of inhibition. Not a test; run in release:
//   swift run -c release RoutingBench [teams] [services-per-team] [alerts] [firing-alerts] [runs]
// 1. Routing: a generated Alertmanager-style `route` tree (teams × services, with `=`, `=~`
//    alternations, prefixes and one real regex per team, `!=`, `continue`, `group_by`,
//    `min_severity`, nested routes) loaded with `RoutingConfig.load(yaml:file:)`, then ns per
//    alert for the compiled tree (`config.tree`, the hot path) and for the reference walk
//    (`config.route.match`). Target (issue): < 5 µs per alert with a 1,000-route tree.
// 2. Inhibition: the config's `inhibit_rules` over N firing alerts: Inhibitor build time, and
//    ns per `inhibition(of:)` check for a stream of new alerts.
// Prints medians of several runs (min–max). Label sets come from a seeded generator, so every
// run of the program measures the same data.
import Foundation
import KlaxonCore

let args = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let teamCount = args.count > 0 ? args[0] : 20
let servicesPerTeam = args.count > 1 ? args[1] : 45
let alertCount = args.count > 2 ? args[2] : 10_000
let firingCount = args.count > 3 ? args[3] : 10_000
let runs = args.count > 4 ? args[4] : 7
guard teamCount >= 1, servicesPerTeam >= 2, alertCount >= 1, firingCount >= 1, runs >= 1 else {
    print("usage: RoutingBench [teams >= 1] [services-per-team >= 2] [alerts] [firing-alerts] [runs]")
    exit(2)
}
/// Each timed run repeats its pass over the data until it lasts at least this long.
let minRunSeconds = 0.2

// MARK: - Deterministic data

/// SplitMix64: small, fast, seeded; the same numbers on every platform.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func chance(_ p: Double) -> Bool { Double(next() % 1_000_000) < p * 1_000_000 }
    /// Picks by weight.
    mutating func pick<T>(_ weighted: [(T, Int)]) -> T {
        var r = int(weighted.reduce(0) { $0 + $1.1 })
        for (value, w) in weighted {
            if r < w { return value }
            r -= w
        }
        return weighted[weighted.count - 1].0
    }
    mutating func pick<T>(_ values: [T]) -> T { values[int(values.count)] }
}

let teamNames = [
    "payments", "checkout", "identity", "search", "platform", "data", "ml", "mobile", "growth", "ads",
    "billing", "logistics", "catalog", "messaging", "notifications", "storage", "edge", "observability",
    "fraud", "support",
]
let componentWords = [
    "api", "web", "worker", "gateway", "auth", "cache", "proxy", "scheduler", "ingest", "export",
    "indexer", "frontend", "backend", "admin", "cron", "events", "stream", "router", "ledger", "reports",
    "metrics", "search", "sync", "mailer", "renderer", "uploader", "resizer", "notifier", "webhooks", "graphql",
    "grpc", "session", "tokens", "profile", "orders", "invoices", "refunds", "quotes", "pricing", "inventory",
    "shipping", "tracking", "ratings", "reviews", "feeds", "social", "chat", "presence", "media", "archive",
]

func teamName(_ t: Int) -> String { t < teamNames.count ? teamNames[t] : "team\(t)" }
func word(_ j: Int) -> String { j < componentWords.count ? componentWords[j] : "svc\(j)" }

/// One service route of a team and the concrete `service` values that reach it.
struct ServiceSpec {
    enum Kind { case equal, alternation, prefix, regex, notEqual, oldStyleMatch, continues }
    let kind: Kind
    let name: String
    let values: [String]
    let nested: Bool
}

func serviceSpecs(team t: Int) -> [ServiceSpec] {
    let team = teamName(t)
    return (0..<servicesPerTeam).map { j in
        let base = "\(team)-\(word(j))"
        let nested = j % 9 == 0
        if j == servicesPerTeam - 1 {
            return ServiceSpec(kind: .regex, name: "\(team)-batch", values: (1...12).map { "\(team)-batch-\($0)" }, nested: false)
        }
        switch j % 6 {
        case 1: return ServiceSpec(kind: .alternation, name: base, values: [base, base + "-legacy", base + "-canary"], nested: nested)
        case 2: return ServiceSpec(kind: .oldStyleMatch, name: base, values: [base], nested: nested)
        case 3: return ServiceSpec(kind: .prefix, name: base, values: [base + "-eu", base + "-us", base + "-ap"], nested: nested)
        case 4: return ServiceSpec(kind: .continues, name: base, values: [base], nested: nested)
        case 5: return ServiceSpec(kind: .notEqual, name: base, values: [base], nested: nested)
        default: return ServiceSpec(kind: .equal, name: base, values: [base], nested: nested)
        }
    }
}

let specsByTeam = (0..<teamCount).map(serviceSpecs(team:))

/// Team route matchers: most `team="x"`, some alternations with a legacy name, some excluding a namespace.
func teamValues(_ t: Int) -> [String] { t % 5 == 2 ? [teamName(t), teamName(t) + "-legacy"] : [teamName(t)] }

// MARK: - Config YAML

func routingYAML() -> String {
    var y = """
    # Generated by RoutingBench: \(teamCount) teams × \(servicesPerTeam) services.
    route:
      receiver: default-tickets
      group_by: [alertname, cluster, namespace]
      group_wait: 30s
      group_interval: 5m
      repeat_interval: 4h
      routes:
        # Every security finding also goes to the SIEM topic.
        - receiver: siem-kafka
          matchers:
            - category=~"vulnerability|misconfiguration|secret|runtime|threat"
          group_by: ['...']
          group_wait: 0s
          continue: true
        - receiver: blackhole
          matchers:
            - alertname="Watchdog"
        - receiver: dev-digest
          matchers:
            - env="dev"
            - severity!="critical"
          group_by: [team, alertname]
          repeat_interval: 24h
        - receiver: secops-pager
          matchers:
            - env="prod"
            - severity="critical"
            - category=~"runtime|threat"
          group_by: [alertname, cluster, host]
          continue: true
        - receiver: platform-k8s
          matchers:
            - namespace=~"kube-.*"

    """
    for t in 0..<teamCount {
        let team = teamName(t)
        let values = teamValues(t)
        y += "    - receiver: \(team)-tickets\n      matchers:\n"
        y += values.count == 1 ? "        - team=\"\(team)\"\n" : "        - team=~\"\(values.joined(separator: "|"))\"\n"
        if t % 7 == 3 { y += "        - namespace!=\"sandbox\"\n" }
        y += "      group_by: [alertname, service]\n      routes:\n"
        y += "        - receiver: \(team)-pager\n          matchers:\n            - severity=\"critical\"\n          continue: true\n"
        for (j, s) in specsByTeam[t].enumerated() {
            let receiver = j % 2 == 0 ? "\(team)-slack" : "\(team)-tickets"
            switch s.kind {
            case .equal:
                y += "        - receiver: \(receiver)\n          matchers:\n            - service=\"\(s.name)\"\n"
            case .alternation:
                y += "        - receiver: \(receiver)\n          matchers:\n            - service=~\"\(s.values.joined(separator: "|"))\"\n"
                y += "          group_by: [alertname, cve]\n"
            case .prefix:
                y += "        - receiver: \(receiver)\n          matchers:\n            - service=~\"\(s.name)-.*\"\n"
                y += "          group_by: [alertname, cluster, pod]\n"
            case .regex:
                y += "        - receiver: \(team)-tickets\n          matchers:\n            - service=~\"\(s.name)-[0-9]+\"\n"
                y += "          repeat_interval: 12h\n"
            case .notEqual:
                y += "        - receiver: \(receiver)\n          matchers:\n            - service=\"\(s.name)\"\n            - env!=\"staging\"\n"
            case .oldStyleMatch:
                y += "        - receiver: \(receiver)\n          match:\n            service: \(s.name)\n"
            case .continues:
                y += "        - receiver: \(s.name)-hook\n          matchers:\n            - service=\"\(s.name)\"\n          continue: true\n"
            }
            if s.nested {
                y += "          routes:\n            - receiver: \(team)-oncall\n"
                if t % 2 == 0 {
                    y += "              min_severity: high\n"
                } else {
                    y += "              matchers:\n                - env=\"prod\"\n                - severity=~\"critical|high\"\n"
                }
            }
        }
    }
    y += """
        - receiver: unowned-triage
          matchers:
            - team=""

    inhibit_rules:
      - source_matchers:
          - severity="critical"
        target_matchers:
          - severity=~"high|warning"
        equal: [cluster, namespace]
      - source_matchers:
          - severity="high"
        target_matchers:
          - severity=~"medium|low|info"
        equal: [cluster, namespace, service]
      - source_matchers:
          - alertname="KubeNodeNotReady"
        target_matchers:
          - category="runtime"
        equal: [cluster, node]
      - source_matchers:
          - alertname="ImageQuarantined"
        target_matchers:
          - category="vulnerability"
        equal: [image]
      - source_match:
          alertname: ScannerOutage
        target_match_re:
          source: trivy|ecr
        equal: [cluster]

    receivers:

    """
    var receivers = ["default-tickets", "blackhole", "dev-digest", "secops-pager", "platform-k8s", "unowned-triage"]
    for t in 0..<teamCount {
        let team = teamName(t)
        receivers += ["\(team)-tickets", "\(team)-slack", "\(team)-pager", "\(team)-oncall"]
        receivers += specsByTeam[t].filter { $0.kind == .continues }.map { "\($0.name)-hook" }
    }
    y += "  - name: siem-kafka\n    kafka_configs:\n      - topic: security.siem\n        key_label: alertname\n"
    for r in receivers {
        y += r == "blackhole" ? "  - name: blackhole\n" : "  - name: \(r)\n    webhook_configs:\n      - url: http://hooks.internal.example:9000/\(r)\n"
    }
    return y
}

// MARK: - Label sets

/// Alerts shaped like what Klaxon's decoders emit (Trivy, Inspector, ECR, Falco, GuardDuty) plus
/// a few Prometheus ones, spread over the configured teams and services with some strays.
struct AlertGenerator {
    var rng: SeededRandom
    let regions = ["eu-west-1", "us-east-1", "ap-southeast-2"]
    let envs: [(String, Int)] = [("prod", 60), ("staging", 25), ("dev", 15)]
    let severities: [(String, Int)] = [("critical", 5), ("high", 15), ("warning", 10), ("medium", 20), ("low", 25), ("info", 25)]
    let packages = ["openssl", "libcurl", "zlib", "glibc", "busybox", "log4j-core", "jackson-databind", "golang.org/x/net",
                    "urllib3", "requests", "lodash", "express", "netty-codec-http", "spring-web", "libxml2", "sqlite"]
    let falcoRules = ["Terminal shell in container", "Write below etc", "Read sensitive file untrusted",
                      "Launch Privileged Container", "Contact K8S API Server From Container", "Drop and execute new binary in container"]
    let guardDutyTypes = ["CryptoCurrency:EC2/BitcoinTool.B!DNS", "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
                          "Recon:EC2/PortProbeUnprotectedPort", "Backdoor:EC2/C&CActivity.B"]
    let misconfigs = ["KSV001", "KSV003", "KSV012", "KSV014", "KSV020", "AVD-AWS-0086", "AVD-AWS-0132"]

    mutating func labels() -> [String: String] {
        let env = rng.pick(envs)
        let region = rng.pick(regions)
        let cluster = "\(env)-\(region)-\(rng.int(2) + 1)"
        var l: [String: String] = ["env": env, "cluster": cluster, "region": region, "environment": env]
        if rng.chance(0.01) {
            l["alertname"] = "Watchdog"; l["severity"] = "none"; l["source"] = "alertmanager"
            return l
        }
        // Owner.
        var service = "unknown"
        var namespace = "default"
        if rng.chance(0.95) && teamCount > 0 {
            let t = rng.int(teamCount)
            let values = teamValues(t)
            let team = values[rng.int(values.count)]
            if rng.chance(0.97) { l["team"] = team } else { l["team"] = "legacy-ops" }
            if rng.chance(0.9) {
                let spec = rng.pick(specsByTeam[t])
                service = rng.pick(spec.values)
            } else {
                service = "\(teamName(t))-misc-\(rng.int(40))"
            }
            namespace = teamName(t) + rng.pick(["", "", "-jobs", "-web"])
        }
        if rng.chance(0.04) { namespace = rng.pick(["kube-system", "kube-public", "kube-node-lease"]) }
        if rng.chance(0.02) { namespace = "sandbox" }
        l["service"] = service
        l["namespace"] = namespace
        l["severity"] = rng.pick(severities)
        let node = "ip-10-\(rng.int(4))-\(rng.int(8))-\(rng.int(250)).\(region).compute.internal"
        let image = "registry.example.com/\(namespace)/\(service):1.\(rng.int(3)).0"
        switch rng.pick([("vulnerability", 55), ("runtime", 20), ("misconfiguration", 10), ("secret", 5), ("threat", 8), ("infra", 2)]) {
        case "vulnerability":
            let (source, name) = rng.pick([(("trivy", "TrivyVulnerability"), 60), (("inspector2", "InspectorVulnerability"), 25), (("ecr", "EcrImageVulnerability"), 15)])
            l["category"] = "vulnerability"; l["source"] = source; l["alertname"] = name
            let pkg = rng.pick(packages)
            l["cve"] = "CVE-\(2018 + rng.int(8))-\(1000 + rng.int(40_000))"
            l["package"] = pkg
            l["installed_version"] = "\(rng.int(4)).\(rng.int(20)).\(rng.int(10))"
            l["image"] = image
        case "runtime":
            let rule = rng.pick(falcoRules)
            l["category"] = "runtime"; l["source"] = "falco"
            l["alertname"] = "Falco" + rule.split(separator: " ").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
            l["rule"] = rule
            l["node"] = node; l["host"] = node
            l["pod"] = "\(service)-\(String(rng.next() % 0xFFFFFF, radix: 16))-\(rng.int(100))"
            l["container"] = service
            l["image"] = image
        case "misconfiguration":
            l["category"] = "misconfiguration"; l["source"] = "trivy"; l["alertname"] = "TrivyMisconfiguration"
            l["rule"] = rng.pick(misconfigs)
            l["image"] = image
        case "secret":
            l["category"] = "secret"; l["source"] = "trivy"; l["alertname"] = "TrivySecret"
            l["rule"] = rng.pick(["aws-access-key-id", "github-pat", "private-key", "slack-webhook-url"])
            l["image"] = image
        case "threat":
            l["category"] = "threat"; l["source"] = "guardduty"; l["alertname"] = "GuardDutyFinding"
            l["rule"] = rng.pick(guardDutyTypes)
            l["account"] = "\(100_000_000_000 + rng.int(6) * 111_111_111)"
            l["host"] = node
        default:
            // The alerts that inhibition rules use as sources.
            l["category"] = "infra"; l["source"] = "alertmanager"
            let name = rng.pick([("KubeNodeNotReady", 50), ("ImageQuarantined", 45), ("ScannerOutage", 5)])
            l["alertname"] = name
            l["node"] = node
            l["image"] = image
        }
        return l
    }
}

// MARK: - Timing

let clock = ContinuousClock()

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

struct Measurement {
    var nsPerItem: [Double]
    var checksum: Int
    var passes: Int
}

extension Measurement {
    /// Median ns per item over the runs.
    var medianNs: Double { median(nsPerItem) }
}

/// Times `pass` (which handles `items` items and returns a checksum): one warm-up pass, then
/// `runs` runs of as many passes as fill `minRunSeconds`; ns per item for each run.
func measure(items: Int, _ pass: () -> Int) -> Measurement {
    var checksum = 0
    let warm = clock.measure { checksum = pass() }
    let passes = max(1, Int((minRunSeconds / max(seconds(warm), 1e-9)).rounded(.up)))
    var out: [Double] = []
    for _ in 0..<runs {
        var sum = 0
        let t = clock.measure {
            for _ in 0..<passes { sum &+= pass() }
        }
        guard sum == checksum &* passes else { fatalError("checksum changed between passes") }
        out.append(seconds(t) * 1e9 / Double(passes * items))
    }
    return Measurement(nsPerItem: out, checksum: checksum, passes: passes)
}

func grouped(_ n: Int) -> String {
    let s = String(n)
    var out = ""
    for (i, c) in s.reversed().enumerated() {
        if i > 0 && i % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return String(out.reversed())
}

func time(_ ns: Double) -> String {
    ns >= 1_000_000 ? String(format: "%.2f ms", ns / 1e6) : ns >= 1000 ? String(format: "%.2f µs", ns / 1000) : String(format: "%.0f ns", ns)
}

func summary(_ m: Measurement) -> String {
    "\(time(m.medianNs))  (\(time(m.nsPerItem.min()!))–\(time(m.nsPerItem.max()!)))"
}

func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s : s + String(repeating: " ", count: width - s.count) }

// MARK: - 1. Routing

let yaml = routingYAML()
var loadTimes: [Double] = []
var loaded: RoutingConfig?
for _ in 0..<3 {
    let t = clock.measure {
        do {
            loaded = try RoutingConfig.load(yaml: yaml, file: "bench-routes.yml")
        } catch {
            print("config refused: \(error)")
            exit(1)
        }
    }
    loadTimes.append(seconds(t))
}
let config = loaded!
let tree = config.tree
let root = config.route

// What the loaded tree contains.
let allRoutes = root.allRoutes
func depth(_ r: Route) -> Int { 1 + (r.routes.map(depth).max() ?? 0) }
var matcherKinds: [String: Int] = [:]
for r in allRoutes {
    for m in r.matchers {
        let kind: String
        switch m.type {
        case .equal: kind = "="
        case .notEqual: kind = "!="
        case .notRegex: kind = "!~"
        case .regex:
            if m.value.hasSuffix(".*") && !m.value.dropLast(2).contains(where: { "|[]()+*?".contains($0) }) { kind = "=~ prefix" }
            else if !m.value.contains(where: { "[]()+*?.".contains($0) }) { kind = "=~ alternation" }
            else { kind = "=~ regex" }
        }
        matcherKinds[kind, default: 0] += 1
    }
}
let continueCount = allRoutes.filter(\.continue).count
let minSeverityCount = allRoutes.filter { $0.minSeverity != nil }.count

var gen = AlertGenerator(rng: SeededRandom(seed: 0x6B6C_6178_6F6E))
let alerts = (0..<alertCount).map { _ in gen.labels() }
let levels = alerts.map { Route.severityLevel(label: $0["severity"]) }
let labelsPerAlert = Double(alerts.reduce(0) { $0 + $1.count }) / Double(max(alertCount, 1))

// Same answers from the compiled tree and the reference walk, before timing anything.
var disagreements = 0
var multiReceiver = 0
var routesReached = 0
for (i, labels) in alerts.enumerated() {
    let a = tree.match(labels, severity: levels[i]).map(\.id)
    let b = root.match(labels, severity: levels[i]).map(\.id)
    if a != b { disagreements += 1 }
    if a.count > 1 { multiReceiver += 1 }
    routesReached += a.count
}

let treeReceivers = measure(items: alertCount) {
    var sum = 0
    for i in 0..<alerts.count {
        let r = tree.receivers(for: alerts[i], severity: levels[i])
        sum &+= r.count &* 31 &+ r[0].utf8.count
    }
    return sum
}
let treeMatch = measure(items: alertCount) {
    var sum = 0
    for i in 0..<alerts.count {
        let r = tree.match(alerts[i], severity: levels[i])
        sum &+= r.count &* 31 &+ r[0].receiver.utf8.count
    }
    return sum
}
let referenceMatch = measure(items: alertCount) {
    var sum = 0
    for i in 0..<alerts.count {
        let r = root.match(alerts[i], severity: levels[i])
        sum &+= r.count &* 31 &+ r[0].receiver.utf8.count
    }
    return sum
}

// MARK: - 2. Inhibition

var firingGen = AlertGenerator(rng: SeededRandom(seed: 0x1A2B_3C4D))
let firing = (0..<firingCount).map { _ in firingGen.labels() }
var targetGen = AlertGenerator(rng: SeededRandom(seed: 0x5EED_0002))
let targets = (0..<alertCount).map { _ in targetGen.labels() }
let rules = config.inhibitRules
let sourcesPerRule = rules.map { rule in firing.filter { rule.sourceMatchers.matches($0) }.count }

var builds: [Double] = []
var inhibitor = Inhibitor(rules: rules, firingAlerts: firing)
for _ in 0..<runs {
    let t = clock.measure { inhibitor = Inhibitor(rules: rules, firingAlerts: firing) }
    builds.append(seconds(t) * 1e9)
}
var inhibitedByRule = Array(repeating: 0, count: rules.count)
var targeted = 0
for labels in targets {
    if rules.contains(where: { $0.targetMatchers.matches(labels) }) { targeted += 1 }
    if let hit = inhibitor.inhibition(of: labels) { inhibitedByRule[hit.ruleIndex] += 1 }
}
let inhibitedCount = inhibitedByRule.reduce(0, +)
let inhibition = measure(items: targets.count) {
    var sum = 0
    for labels in targets {
        if let hit = inhibitor.inhibition(of: labels) { sum &+= hit.ruleIndex &+ 1 }
    }
    return sum
}

// MARK: - Report

func pct(_ n: Int, _ of: Int) -> String { String(format: "%.1f%%", 100 * Double(n) / Double(max(of, 1))) }

let kindOrder = ["=", "=~ alternation", "=~ prefix", "=~ regex", "!=", "!~"]
let kindText = kindOrder.compactMap { k in matcherKinds[k].map { "\(grouped($0)) \(k)" } }.joined(separator: ", ")

print("RoutingBench: single core, release build, median of \(runs) runs (min–max); each run ≥ \(Int(minRunSeconds * 1000)) ms")
print("")
print("1. Routing")
print("  tree: \(grouped(allRoutes.count)) routes, depth \(depth(root)): \(teamCount) teams × \(servicesPerTeam) service routes,")
print("        \(teamCount) team pager routes, \(allRoutes.filter { $0.receiver.hasSuffix("-oncall") }.count) nested on-call routes, 6 cross-team routes + root;")
print("        \(config.receivers.count) receivers; YAML \(grouped(yaml.utf8.count / 1024)) KB, loaded in \(String(format: "%.1f", median(loadTimes) * 1000)) ms")
print("  matchers: \(kindText); \(continueCount) continue: true, \(minSeverityCount) min_severity")
print("  alerts: \(grouped(alertCount)) label sets, \(String(format: "%.1f", labelsPerAlert)) labels each on average;")
print("          \(String(format: "%.2f", Double(routesReached) / Double(max(alertCount, 1)))) routes reached per alert, \(pct(multiReceiver, alertCount)) reach more than one")
print("  tree and reference agree on \(grouped(alertCount - disagreements)) of \(grouped(alertCount)) alerts")
if !config.warnings.isEmpty { print("  config warnings: \(config.warnings.count)") }
let w = 44
print("  \(pad("config.tree.receivers(for:severity:)", w))\(summary(treeReceivers)) per alert   target < 5 µs: \(treeReceivers.medianNs < 5000 ? "met" : "NOT met")")
print("  \(pad("config.tree.match(_:severity:)", w))\(summary(treeMatch)) per alert")
print("  \(pad("config.route.match(_:severity:) (reference)", w))\(summary(referenceMatch)) per alert   (\(String(format: "%.1f", referenceMatch.medianNs / treeReceivers.medianNs))× the tree)")
print("")
print("2. Inhibition")
print("  \(rules.count) inhibit rules, \(grouped(firingCount)) firing alerts; source alerts per rule: \(sourcesPerRule.map(grouped).joined(separator: ", "))")
print("  \(grouped(targets.count)) new alerts checked: \(pct(targeted, targets.count)) match some rule's target side, \(pct(inhibitedCount, targets.count)) inhibited (per rule: \(inhibitedByRule.map(grouped).joined(separator: ", ")))")
print("  \(pad("Inhibitor(rules:firingAlerts:) build", w))\(time(median(builds)))  (\(time(builds.min()!))–\(time(builds.max()!)))")
print("  \(pad("inhibitor.inhibition(of:)", w))\(summary(inhibition)) per check")
print("")
print("checksums: \(treeReceivers.checksum) \(treeMatch.checksum) \(referenceMatch.checksum) \(inhibition.checksum)")
if disagreements > 0 || treeReceivers.checksum != referenceMatch.checksum || treeMatch.checksum != referenceMatch.checksum {
    print("ERROR: the compiled tree and the reference walk disagree")
    exit(1)
}
