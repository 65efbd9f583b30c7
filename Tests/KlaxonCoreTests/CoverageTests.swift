import Foundation
import Testing

@testable import KlaxonCore

/// Coverage decisions over snapshots, the `coverage:` config, and what reports say they scanned.
@Suite struct CoverageCoreTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    typealias Key = CoverageObservations.Key
    typealias Span = CoverageObservations.Span

    func seen(_ kind: String, _ name: String, _ env: String, daysAgo: Double) -> (Key, Span) {
        let at = now.addingTimeInterval(-daysAgo * 86_400)
        return (Key(kind: kind, name: name, environment: env), Span(first: at, last: now))
    }

    @Test func twoOfThreeImagesScannedTodayIsTwoThirdsAndTheThirdIsOverdue() {
        let sightings = Dictionary(uniqueKeysWithValues: [
            seen("image", "shop/api:1.4", "prod", daysAgo: 3), seen("image", "shop/web:2.0", "prod", daysAgo: 3),
            seen("image", "shop/worker:0.9", "prod", daysAgo: 3),
        ])
        let scans = ["shop/api:1.4": now.addingTimeInterval(-3600), "shop/web:2.0": now.addingTimeInterval(-7200)]
        let e = CoverageEvaluation.evaluate(sightings: sightings, scans: scans, config: CoverageConfig(), now: now)
        #expect(e.environments.map(\.environment) == ["prod"])
        #expect(e.environments[0].known == 3 && e.environments[0].covered == 2)
        #expect(abs(e.environments[0].ratio - 0.6667) < 0.001)
        #expect(e.overdue.map(\.name) == ["shop/worker:0.9"])
        #expect(e.overdue[0].lastScan == nil)
    }

    @Test func schedulesFollowTheEnvironmentAndANewArtifactGetsOnePeriod() {
        var sightings = Dictionary(uniqueKeysWithValues: [
            seen("image", "a:1", "dev", daysAgo: 10), seen("image", "b:1", "prod", daysAgo: 10),
            seen("host", "node-1", "prod", daysAgo: 0.5), seen("image", "c:1", "", daysAgo: 10),
            seen("cluster", "eks-1", "prod", daysAgo: 10),
        ])
        let threeDays = now.addingTimeInterval(-3 * 86_400)
        // b:1 (known 10 days) is overdue as soon as its scan is out of date; d:1, made known half
        // a day ago by a scan that was already old, gets its first period.
        let (dKey, dSpan) = seen("image", "d:1", "prod", daysAgo: 0.5)
        sightings[dKey] = dSpan
        let e = CoverageEvaluation.evaluate(
            sightings: sightings, scans: ["a:1": threeDays, "b:1": threeDays, "c:1": threeDays, "d:1": threeDays],
            config: CoverageConfig(kinds: ["image", "host"]), now: now)
        // dev is weekly: covered; prod is daily: overdue, with its last scan; an artifact with no
        // environment takes the default (weekly); a host first seen 12 h ago is uncovered, not yet
        // overdue; `cluster` is not a tracked kind.
        #expect(e.environments.map(\.environment) == ["dev", "none", "prod"])
        #expect(e.environments.map(\.covered) == [1, 1, 0])
        #expect(e.environments.map(\.known) == [1, 1, 3])
        #expect(e.overdue.map(\.name) == ["b:1"])
        #expect(e.overdue[0].lastScan == threeDays)
        #expect(e.total.known == 5 && e.total.covered == 2)
    }

    @Test func forgottenArtifactsDropOutAndInventoryCounts() {
        let old = (Key(kind: "image", name: "gone:1", environment: "prod"), Span(first: now.addingTimeInterval(-90 * 86_400), last: now.addingTimeInterval(-31 * 86_400)))
        var config = CoverageConfig()
        config.inventory = [.init(kind: "image", name: "docker.io/library/nginx", environment: "prod")]
        let e = CoverageEvaluation.evaluate(sightings: [old.0: old.1], scans: ["nginx:latest": now], config: config, now: now)
        #expect(e.environments.map(\.known) == [1])
        #expect(e.environments.map(\.covered) == [1], "the inventory's nginx is scanned; the forgotten image is not counted")
        #expect(e.overdue.isEmpty)
    }

    @Test func imageNamesMeetWhateverWroteThem() {
        #expect(ArtifactName.normalize("docker.io/library/nginx") == "nginx:latest")
        #expect(ArtifactName.normalize("docker.io/shop/api:1.4") == "shop/api:1.4")
        #expect(ArtifactName.normalize("registry.example.com:5000/shop/api") == "registry.example.com:5000/shop/api:latest")
        #expect(ArtifactName.normalize("shop/api@sha256:ab") == "shop/api@sha256:ab")
        #expect(ArtifactName.normalize("grype:shop/api:1.4") == "shop/api:1.4")
        #expect(ArtifactName.normalize("node-1", kind: "host") == "node-1")
    }

    @Test func observationsComeFromLabelsAndCompleteScans() throws {
        let trivy = """
            {"SchemaVersion": 2, "CreatedAt": "2027-01-15T08:00:00Z", "ArtifactName": "shop/api:1.4", "ArtifactType": "container_image",
             "Metadata": {"RepoTags": ["shop/api:1.4"], "RepoDigests": ["shop/api@sha256:abcd"]}, "Results": []}
            """
        let report = try Decoders.decode(Data(trivy.utf8), format: .auto, context: DecodeContext(receivedAt: now, environment: nil))
        var o = CoverageObservations()
        o.add(report, receivedAt: now)
        let created = try #require(ISO8601DateFormatter().date(from: "2027-01-15T08:00:00Z"))
        #expect(o.scans["shop/api:1.4"] == created, "the scan counts from when Trivy made it")
        #expect(o.scans["sha256:abcd"] == created)
        #expect(o.sightings.isEmpty, "a clean scan names no running artifact")

        let falco = """
            {"rule": "r", "priority": "Notice", "time": "2027-01-14T08:00:00Z", "hostname": "node-1", "output": "x",
             "output_fields": {"container.image.repository": "docker.io/shop/api", "container.image.tag": "1.4"}}
            """
        let event = try Decoders.decode(Data(falco.utf8), format: .falco, context: DecodeContext(receivedAt: now, environment: "prod"))
        o.add(event, receivedAt: now)
        // Seen when it arrived, not at the event's own (old) time; hosts only when asked for.
        #expect(o.sightings[Key(kind: "image", name: "shop/api:1.4", environment: "prod")] == Span(first: now, last: now))
        #expect(o.sightings[Key(kind: "host", name: "node-1", environment: "prod")] == nil, "hosts are not a default kind")
        o.add(event, receivedAt: now, kinds: ["image", "host"])
        #expect(o.sightings[Key(kind: "host", name: "node-1", environment: "prod")] == Span(first: now, last: now))
    }

    @Test func scanOverdueIsAnOrdinaryAlertKeyedByItsArtifact() {
        let o = CoverageEvaluation.Overdue(kind: "image", name: "shop/worker:0.9", environment: "prod", lastScan: nil, firstSeen: now)
        let a = ScanOverdueAlert.make(o, config: CoverageConfig(), now: now)
        #expect(a.labels["alertname"] == "ScanOverdue" && a.labels["source"] == "klaxon" && a.labels["severity"] == "medium")
        #expect(a.labels["image"] == "shop/worker:0.9" && a.labels["environment"] == "prod")
        #expect(a.fingerprint == ScanOverdueAlert.fingerprint(kind: "image", name: "shop/worker:0.9", environment: "prod"))
        #expect(a.annotations["summary"] == "image shop/worker:0.9 in prod has no complete scan within 1d")
    }

    @Test func coverageConfigLoadsStrictly() throws {
        let base = "kafka: {embedded: true, topics: [{name: t}]}\n"
        #expect(try ServiceConfig.load(yaml: base, file: "k.yml").coverage == CoverageConfig())
        #expect(CoverageConfig().schedule(of: "staging") == .seconds(86_400) && CoverageConfig().schedule(of: "dev") == .seconds(7 * 86_400))
        let c = try ServiceConfig.load(yaml: base + """
            coverage:
              schedule: {prod: 12h, qa: 3d}
              default_schedule: 14d
              kinds: [image, host]
              overdue_severity: high
              inventory:
                - {image: "shop/api:1.4", environment: prod}
                - {host: node-7}
            """, file: "k.yml").coverage
        #expect(c.schedule(of: "prod") == .seconds(43_200) && c.schedule(of: "qa") == .seconds(3 * 86_400))
        #expect(c.schedule(of: "staging") == .seconds(86_400), "defaults stay for environments not given")
        #expect(c.schedule(of: "other") == .seconds(14 * 86_400))
        #expect(c.overdueSeverity == .high && c.kinds == ["image", "host"])
        #expect(c.inventory == [.init(kind: "image", name: "shop/api:1.4", environment: "prod"), .init(kind: "host", name: "node-7")])
        for (bad, message) in [
            ("coverage: {schedules: {prod: 1d}}", "unknown field \"schedules\""),
            ("coverage: {schedule: {prod: soon}}", "coverage.schedule.prod"),
            ("coverage: {default_schedule: 0s}", "must be positive"),
            ("coverage: {overdue_severity: severe}", "unknown severity \"severe\""),
            ("coverage: {kinds: [image, host], inventory: [{image: a, host: b}]}", "names one artifact"),
            ("coverage: {inventory: [{host: b}]}", "unknown field \"host\""),
            ("coverage: {kinds: [image], inventory: [{account: '1'}]}", "unknown field \"account\""),
            ("coverage: {kinds: [environment]}", "cannot name an artifact"),
            ("coverage: {kinds: []}", "at least one label"),
        ] {
            #expect { try ServiceConfig.load(yaml: base + bad, file: "k.yml") } throws: { e in
                "\(e)".contains(message)
            }
        }
    }
}
