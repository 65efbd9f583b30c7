import Foundation
import Testing
@testable import KlaxonCore

@Suite struct NoiseConfigTests {
    @Test func loadsEveryRuleKindAndIgnoresOtherSections() throws {
        let c = try NoiseFixtures.load("""
        route:
          receiver: default
          unknown_to_noise_loader: true
        receivers: [{name: default}]
        suppressions:
          - name: base-image
            vulnerability: [CVE-2023-0001, CVE-2023-0002]
            image: registry.example.com/shop/*
            reason: base-image CVE accepted
            owner: secops
            expires: 2027-01-31
          - rule: Terminal shell in container
            matchers: ['namespace="debug"', 'cluster=~"dev-.*"']
            reason: debug namespace is for shells
            owner: platform
            expires: 2027-02-01T12:30:00+01:00
          - id: AVD-DS-0002
            package: "lib*"
            artifact: sha256:abc
            reason: r
            owner: o
        thresholds:
          - name: shell-bursts
            matchers: ['source="falco"']
            count: 5
            window: 1m
            group_by: [rule, host]
            min_interval: 30m
          - matchers: ['category="runtime"']
            window: 10m
        """)
        #expect(c.suppressions.count == 3)
        let a = c.suppressions[0]
        #expect(a.name == "base-image")
        #expect(a.vulnerabilities.map(\.source) == ["CVE-2023-0001", "CVE-2023-0002"])
        #expect(a.images.map(\.source) == ["registry.example.com/shop/*"])
        #expect(a.reason == "base-image CVE accepted")
        #expect(a.owner == "secops")
        #expect(a.expires == Date(timeIntervalSince1970: 1_801_353_600))  // 2027-01-31T00:00:00Z
        #expect(a.origin == ConfigOrigin(file: "routes/noise.yml", line: 6, column: 5, keyPath: "suppressions[0]"))
        let b = c.suppressions[1]
        #expect(b.rules.map(\.source) == ["Terminal shell in container"])
        #expect(b.matchers.map(\.description) == [#"cluster=~"dev-.*""#, #"namespace="debug""#])
        #expect(b.expires == Date(timeIntervalSince1970: 1_801_481_400))  // 2027-02-01T11:30:00Z
        #expect(c.suppressions[2].ids.map(\.source) == ["AVD-DS-0002"])
        #expect(c.suppressions[2].packages.map(\.source) == ["lib*"])
        #expect(c.suppressions[2].artifacts.map(\.source) == ["sha256:abc"])
        #expect(c.suppressions[2].expires == nil)

        #expect(c.thresholds.count == 2)
        let t = c.thresholds[0]
        #expect(t.name == "shell-bursts")
        #expect(t.count == 5)
        #expect(t.window == .seconds(60))
        #expect(t.groupBy == ["rule", "host"])
        #expect(t.minInterval == .seconds(1800))
        #expect(t.origin?.keyPath == "thresholds[0]")
        #expect(c.thresholds[1].count == 1)
        #expect(c.thresholds[1].groupBy == nil)
        #expect(c.thresholds[1].minInterval == .zero)
    }

    @Test func mergesRulesFromSeveralFilesInOrder() throws {
        let c = try NoiseConfig.load([
            ConfigSource(file: "routes/a.yml", yaml: "suppressions:\n  - id: CVE-1\n    reason: a\n    owner: x\n"),
            ConfigSource(file: "routes/b.yml", yaml: "route:\n  receiver: r\n"),
            ConfigSource(file: "routes/c.yml", yaml: ""),
            ConfigSource(file: "routes/d.yml", yaml: "suppressions:\n  - id: CVE-2\n    reason: b\n    owner: y\n"),
        ])
        #expect(c.suppressions.map { $0.ids[0].source } == ["CVE-1", "CVE-2"])
        #expect(c.suppressions.map { $0.origin!.file } == ["routes/a.yml", "routes/d.yml"])
        #expect(c.thresholds.isEmpty)
    }

    @Test func badExpiryCitesPositionAndKeyPath() {
        let yaml = """
        suppressions:
          - id: CVE-1
            reason: r
            owner: o
          - id: CVE-2
            reason: r
            owner: o
          - id: CVE-3
            reason: r
            owner: o
            expires: next tuesday
        """
        #expect(NoiseFixtures.loadError(yaml) == "routes/noise.yml:11:14: suppressions[2].expires: expected a date (YYYY-MM-DD or RFC 3339)")
    }

    @Test(arguments: [
        ("2027-02-30", false), ("2027-2-03", false), ("27-02-03", false), ("2028-02-29", true),
        ("2027-02-03T10:00:00Z", true), ("2027-02-03T10:00:00", false), ("2027-02-03 10:00", false),
    ])
    func expiryFormats(text: String, valid: Bool) {
        let yaml = "suppressions:\n  - id: CVE-1\n    reason: r\n    owner: o\n    expires: \(text)\n"
        let error = NoiseFixtures.loadError(yaml)
        if valid { #expect(error == nil) } else {
            #expect(error == "routes/noise.yml:5:14: suppressions[0].expires: expected a date (YYYY-MM-DD or RFC 3339)")
        }
    }

    @Test(arguments: [
        // Unknown key inside a rule: positioned at the key.
        ("suppressions:\n  - id: CVE-1\n    reason: r\n    owner: o\n    expiry: 2027-01-01\n",
         #"routes/noise.yml:5:5: suppressions[0].expiry: unknown field "expiry""#),
        ("suppressions:\n  - id: CVE-1\n    owner: o\n",
         "routes/noise.yml:2:5: suppressions[0]: missing required field reason"),
        ("suppressions:\n  - id: CVE-1\n    reason: r\n",
         "routes/noise.yml:2:5: suppressions[0]: missing required field owner"),
        ("suppressions:\n  - id: CVE-1\n    reason: '  '\n    owner: o\n",
         "routes/noise.yml:3:13: suppressions[0].reason: reason must not be empty"),
        ("suppressions:\n  - reason: r\n    owner: o\n    name: nothing\n",
         "routes/noise.yml:2:5: suppressions[0]: a suppression needs at least one condition (vulnerability, id, package, image, artifact, scope, rule or matchers)"),
        ("suppressions:\n  - matchers: ['severity=~\"(\"']\n    reason: r\n    owner: o\n",
         #"routes/noise.yml:2:16: suppressions[0].matchers[0]: invalid regular expression "(""#),
        ("suppressions:\n  - artifact: a\n    scope: b\n    reason: r\n    owner: o\n",
         "routes/noise.yml:3:5: suppressions[0].scope: artifact and scope mean the same; give only one"),
        ("suppressions:\n  - vulnerability: []\n    reason: r\n    owner: o\n",
         "routes/noise.yml:2:20: suppressions[0].vulnerability: expected at least one pattern"),
        ("suppressions:\n  - package: {a: b}\n    reason: r\n    owner: o\n",
         "routes/noise.yml:2:14: suppressions[0].package: expected a string, got a mapping"),
        ("suppressions:\n  id: CVE-1\n",
         "routes/noise.yml:2:3: suppressions: expected a list, got a mapping"),
        ("suppressions:\n  - {name: x, id: a, reason: r, owner: o}\n  - {name: x, id: b, reason: r, owner: o}\n",
         #"routes/noise.yml:3:5: suppressions[1]: suppression name "x" is not unique (first defined at routes/noise.yml:2:5)"#),
        ("thresholds:\n  - matchers: ['source=\"falco\"']\n    count: 5\n",
         "routes/noise.yml:2:5: thresholds[0]: missing required field window"),
        ("thresholds:\n  - count: 5\n    window: 1m\n",
         "routes/noise.yml:2:5: thresholds[0]: missing required field matchers"),
        ("thresholds:\n  - matchers: []\n    window: 1m\n",
         "routes/noise.yml:2:15: thresholds[0].matchers: at least one matcher is required"),
        ("thresholds:\n  - matchers: [a=b]\n    count: 0\n    window: 1m\n",
         "routes/noise.yml:3:12: thresholds[0].count: count must be at least 1, got 0"),
        ("thresholds:\n  - matchers: [a=b]\n    count: many\n    window: 1m\n",
         #"routes/noise.yml:3:12: thresholds[0].count: expected an integer, got "many""#),
        ("thresholds:\n  - matchers: [a=b]\n    window: 0s\n",
         "routes/noise.yml:3:13: thresholds[0].window: window must be longer than 0s"),
        ("thresholds:\n  - matchers: [a=b]\n    window: 1 minute\n",
         #"routes/noise.yml:3:13: thresholds[0].window: not a valid duration string: "1 minute""#),
        ("thresholds:\n  - matchers: [a=b]\n    window: 1m\n    group_by: [host, 'bad-label']\n",
         #"routes/noise.yml:4:22: thresholds[0].group_by[1]: invalid label name "bad-label""#),
        ("thresholds:\n  - matchers: [a=b]\n    window: 1m\n    flap: true\n",
         #"routes/noise.yml:4:5: thresholds[0].flap: unknown field "flap""#),
        ("thresholds:\n  - matchers: [a=b]\n    window: 1m\n    min_interval: often\n",
         #"routes/noise.yml:4:19: thresholds[0].min_interval: not a valid duration string: "often""#),
        ("suppressions: [\n", nil),
    ] as [(String, String?)])
    func strictErrors(yaml: String, expected: String?) {
        let error = NoiseFixtures.loadError(yaml)
        if let expected {
            #expect(error == expected)
        } else {
            #expect(error?.hasPrefix("routes/noise.yml:") == true)
            #expect(error?.contains("yaml:") == true)
        }
    }

    @Test func routingLoaderNoLongerWarnsAboutNoiseSections() throws {
        let yaml = """
        route:
          receiver: default
        receivers: [{name: default}]
        suppressions:
          - {id: CVE-1, reason: r, owner: o}
        thresholds:
          - {matchers: [a=b], window: 1m}
        dedup: {}
        """
        let routing = try RoutingConfig.load(yaml: yaml, file: "r.yml")
        #expect(routing.warnings.map(\.keyPath) == ["dedup"])
        let noise = try NoiseFixtures.load(yaml)
        #expect(noise.suppressions.count == 1)
        #expect(noise.thresholds.count == 1)
    }
}
