import Foundation
import Testing
@testable import KlaxonCore

@Suite(.enabled(if: Fixtures.enabled, "shared fixtures not found"))
struct FalcoFixtureTests {
    static let cases: [(String, String, String)] = [
        ("elastic-falco-read-sensitive-file-untrusted.json", "Read sensitive file untrusted", "medium"),
        ("elastic-falco-run-shell-untrusted.json", "Run shell untrusted", "low"),
        ("falco-0.32-regression-open_from_cat.json", "open_from_cat", "medium"),
        ("falco-website-k8saudit-eks-attach-exec-pod.json", "Attach/Exec Pod", "low"),
        ("falco-website-k8saudit-eks-serviceaccount-created.json", "K8s Serviceaccount Created", "info"),
        ("falco-website-k8saudit-ovh-disallowed-user.json", "Disallowed K8s User", "medium"),
        ("falco-website-terminal-shell-critical.json", "Terminal shell in container", "critical"),
    ]

    @Test(arguments: cases)
    func decodesSingleEvent(file: String, rule: String, severity: String) throws {
        let report = try Fixtures.decode("falco/" + file)
        #expect(report.format == .falco)
        #expect(report.alerts.count == 1)
        #expect(report.scopes.isEmpty)
        let a = try #require(report.alerts.first)
        #expect(a.labels["rule"] == rule)
        #expect(a.labels["alertname"] == rule)
        #expect(a.labels["severity"] == severity)
        #expect(a.labels["category"] == "runtime")
        #expect(a.occurredAt != nil)
        #expect(a.occurredAt == a.detectedAt)
    }

    @Test func everyFalcoFileIsCovered() throws {
        let listed = Set(Self.cases.map { "falco/" + $0.0 } + ["falco/events.jsonl"])
        #expect(Set(try Fixtures.files(in: "falco")) == listed)
    }

    @Test func ndjsonFileDecodesEveryLine() throws {
        let report = try Fixtures.decode("falco/events.jsonl")
        #expect(report.format == .falco)
        let lines = try Fixtures.data("falco/events.jsonl").split(separator: UInt8(ascii: "\n")).filter { !$0.isEmpty }
        #expect(report.alerts.count == lines.count)
        #expect(report.alerts.count == 10)
        #expect(Fixtures.histogram(report.alerts) == ["critical": 1, "info": 1, "low": 3, "medium": 5])
    }

    @Test func terminalShellLabelsAndExactEventTime() throws {
        let a = try #require(try Fixtures.decode("falco/falco-website-terminal-shell-critical.json").alerts.first)
        #expect(a.labels["host"] == "falco-xczjd")
        #expect(a.labels["container"] == "ee97d9c4186f")
        #expect(a.labels["namespace"] == "default")
        #expect(a.labels["pod"] == "kubecon")
        #expect(a.labels["process"] == "sh")
        #expect(a.labels["image"] == "docker.io/library/alpine")
        #expect(a.labels["event_source"] == "syscall")
        // 19-digit ns integer kept exactly as written (a Double would round it).
        #expect(a.annotations["evt.time"] == "1685022245478445995")
        #expect(a.annotations["summary"]?.hasPrefix("A shell was spawned") == true)
        #expect(a.annotations["tags"] == "container,mitre_execution,shell")
        #expect(a.fingerprint == Fingerprint(labels: a.labels, keys: ["source", "rule", "host", "container", "process"]))
    }
}

@Suite struct FalcoDecoderTests {
    static let ctx = DecodeContext(receivedAt: Date(timeIntervalSince1970: 1_700_000_000), environment: "staging")

    static func event(_ extra: String = "", priority: String = "Warning", time: String = #""time":"2024-05-07T18:54:27.767673017Z","#) -> Data {
        Data(#"{\#(extra)"output":"18:54:27.767673017: Warning x","priority":"\#(priority)","rule":"R",\#(time)"output_fields":{"evt.time":9223372036854775807,"proc.name":"bash","container.id":"c1","fd.num":3.5,"x":null,"l":["a"],"b":true,"big":123456789012345678901234567890}}"#.utf8)
    }

    @Test func falcosidekickPayloadDecodesTheSame() throws {
        let plain = try Decoders.decode(Self.event(), format: .auto, context: Self.ctx).alerts[0]
        let sidekick = try Decoders.decode(Self.event(#""uuid":"4b5e3b8c-1d2e-4f00-9a7b-6d1c2e3f4a5b","hostname":"node-1","#, priority: "warning"), format: .auto, context: Self.ctx).alerts[0]
        #expect(sidekick.severity == plain.severity)
        #expect(sidekick.labels["host"] == "node-1")
        #expect(sidekick.annotations["uuid"] == "4b5e3b8c-1d2e-4f00-9a7b-6d1c2e3f4a5b")
        #expect(plain.labels["environment"] == "staging")
    }

    @Test func mixedFieldTypesAndHugeNumbers() throws {
        let a = try Decoders.decode(Self.event(), format: .falco, context: Self.ctx).alerts[0]
        #expect(a.annotations["evt.time"] == "9223372036854775807")
        #expect(a.annotations["big"] == "123456789012345678901234567890")
        #expect(a.annotations["fd.num"] == "3.5")
        #expect(a.annotations["b"] == "true")
        #expect(a.annotations["x"] == nil)
        #expect(a.occurredAt == Timestamps.rfc3339("2024-05-07T18:54:27.767673017Z"))
    }

    @Test func eventTimeFromEvtTimeWhenNoTimeKey() throws {
        let data = Data(#"{"rule":"R","priority":"Error","output":"o","output_fields":{"evt.time":1685022245478445995}}"#.utf8)
        let a = try Decoders.decode(data, format: .falco, context: Self.ctx).alerts[0]
        #expect(a.severity == .high)
        let expected = Date(timeIntervalSince1970: 1_685_022_245) + 0.478445995
        #expect(abs(try #require(a.occurredAt).timeIntervalSince(expected)) < 1e-6)
    }

    @Test(arguments: [("Emergency", 5), ("Alert", 5), ("Critical", 5), ("Error", 4), ("Warning", 3), ("Notice", 2), ("Informational", 1), ("Debug", 1)])
    func priorityMap(priority: String, id: Int) throws {
        let a = try Decoders.decode(Self.event(priority: priority), format: .falco, context: Self.ctx).alerts[0]
        #expect(a.severity.id == id)
    }

    @Test func unknownPriorityIsAnError() {
        #expect(throws: DecodeError(path: "priority", "unknown Falco priority \"Loud\"")) {
            try Decoders.decode(Self.event(priority: "Loud"), format: .falco, context: Self.ctx)
        }
    }

    @Test func fingerprintIsRuleHostContainerProcess() throws {
        let a = try Decoders.decode(Self.event(), format: .falco, context: Self.ctx).alerts[0]
        let later = try Decoders.decode(Self.event(time: #""time":"2024-06-01T00:00:00Z","#), format: .falco, context: Self.ctx).alerts[0]
        let otherHost = try Decoders.decode(Self.event(#""hostname":"h2","#), format: .falco, context: Self.ctx).alerts[0]
        #expect(a.fingerprint == later.fingerprint)
        #expect(a.fingerprint != otherHost.fingerprint)
    }

    @Test func stripsTimeAndPriorityFromOutput() {
        #expect(FalcoDecoder.stripTimePrefix("2016-08-04T16:17:57.881781397+0000: Warning An open was seen") == "An open was seen")
        #expect(FalcoDecoder.stripTimePrefix("13:44:05.478445995: Critical A shell") == "A shell")
        #expect(FalcoDecoder.stripTimePrefix("no prefix: here") == "no prefix: here")
    }
}
