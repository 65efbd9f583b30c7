import KlaxonTesting
import Testing
@testable import KlaxonCore

/// The compiled `RoutingTree` must answer exactly like the reference `Route.match`.
@Suite struct RoutingTreeTests {
    /// A small deterministic generator (SplitMix64), so failures reproduce.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func pick<T>(_ xs: [T]) -> T { xs[Int(next() % UInt64(xs.count))] }
        mutating func chance(_ percent: UInt64) -> Bool { next() % 100 < percent }
    }

    static let names = ["team", "cluster", "severity", "namespace", "service"]
    static let values = ["db", "web", "webapp", "prod", "prod-eu", "staging", "critical", "high", "low", "svc-1", "svc-12", "x", ""]

    func matcher(_ g: inout Generator) -> String {
        let name = g.pick(Self.names)
        switch g.next() % 6 {
        case 0, 1: return "\(name)=\"\(g.pick(Self.values))\""
        case 2: return "\(name)!=\"\(g.pick(Self.values))\""
        case 3: return "\(name)=~\"\(g.pick(Self.values))|\(g.pick(Self.values))\""
        case 4: return "\(name)=~\"\(g.pick(["svc-", "prod", "web", "st"])).*\""
        default: return "\(name)!~\"\(g.pick(["prod.*", "web|db", ".*a.*"]))\""
        }
    }

    func routes(_ g: inout Generator, depth: Int, indent: String) -> String {
        var y = ""
        let count = depth == 0 ? 40 : (g.chance(30) ? Int(g.next() % 12) : 0)
        for _ in 0..<count {
            y += "\(indent)- receiver: r\(g.next() % 5)\n"
            let ms = (0..<Int(g.next() % 3)).map { _ in "'\(matcher(&g).replacingOccurrences(of: "'", with: "''"))'" }
            if !ms.isEmpty { y += "\(indent)  matchers: [\(ms.joined(separator: ", "))]\n" }
            if g.chance(25) { y += "\(indent)  continue: true\n" }
            if g.chance(10) { y += "\(indent)  min_severity: \(g.pick(["low", "high", "critical"]))\n" }
            if depth < 2 {
                let children = routes(&g, depth: depth + 1, indent: indent + "    ")
                if !children.isEmpty { y += "\(indent)  routes:\n" + children }
            }
        }
        return y
    }

    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func compiledTreeAgreesWithReference(seed: UInt64) throws {
        var g = Generator(state: seed)
        let yaml = "route:\n  receiver: r0\n  routes:\n" + routes(&g, depth: 0, indent: "    ")
            + "receivers: [{name: r0}, {name: r1}, {name: r2}, {name: r3}, {name: r4}]\n"
        let config = try RoutingConfig.load(yaml: yaml, file: "gen.yml")
        var disagreements = 0
        for _ in 0..<500 {
            var labels: [String: String] = [:]
            for name in Self.names where g.chance(70) { labels[name] = g.pick(Self.values + ["svc-123", "prod-us", "webx"]) }
            let reference = config.route.match(labels).map(\.id)
            let compiled = config.tree.match(labels).map(\.id)
            if reference != compiled { disagreements += 1 }
            #expect(reference == compiled, "labels \(labels)")
        }
        #expect(disagreements == 0)
    }

    @Test func wideTreeUsesIndexesAndStillMatchesInOrder() throws {
        var yaml = "route:\n  receiver: default\n  routes:\n"
        for i in 0..<300 {
            switch i % 3 {
            case 0: yaml += "    - {receiver: r, matchers: ['team=\"t\(i)\"']}\n"
            case 1: yaml += "    - {receiver: r, matchers: ['service=~\"svc-\(i)-.*\"'], continue: true}\n"
            default: yaml += "    - {receiver: r, matchers: ['team=~\"t\(i)|shared\"']}\n"
            }
        }
        yaml += "receivers: [{name: default}, {name: r}]\n"
        let config = try RoutingConfig.load(yaml: yaml, file: "wide.yml")
        for labels in [["team": "t150"], ["service": "svc-1-api", "team": "shared"], ["service": "svc-4-", "team": "t3"],
                       ["team": "nobody"], ["service": "svc-4"], [:]] {
            #expect(config.tree.match(labels).map(\.id) == config.route.match(labels).map(\.id), "labels \(labels)")
        }
        #expect(config.tree.match(["service": "svc-1-api", "team": "shared"]).map(\.id).count == 2)
        #expect(config.tree.receivers(for: ["team": "nobody"]) == ["default"])
    }

    @Test func replacingTheRouteRecompilesTheTree() throws {
        var config = try RoutingConfig.load(yaml: "route: {receiver: a}\nreceivers: [{name: a}, {name: b}]", file: "x.yml")
        config.route.receiver = "b"
        #expect(config.tree.receivers(for: [:]) == ["b"])
    }
}

@Suite struct RoutingTreeAlertTests {
    @Test func alertSeverityDrivesMinSeverity() throws {
        let config = try RoutingConfig.load(yaml: """
        route:
          receiver: default
          routes:
            - {receiver: pager, min_severity: high}
        receivers: [{name: default}, {name: pager}]
        """, file: "s.yml")
        let labels = ["alertname": "CVE-2024-1", "severity": "low"]
        let high = Alert(labels: labels, severity: .high, fingerprint: Fingerprint(labels: labels))
        let low = Alert(labels: labels, severity: .low, fingerprint: Fingerprint(labels: labels))
        #expect(config.tree.match(high).map(\.receiver) == ["pager"])
        #expect(config.tree.match(low).map(\.receiver) == ["default"])
    }
}
