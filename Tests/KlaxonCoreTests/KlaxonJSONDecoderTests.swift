import Foundation
import Testing
@testable import KlaxonCore

@Suite struct KlaxonJSONDecoderTests {
    static let ctx = DecodeContext(receivedAt: Date(timeIntervalSince1970: 1_700_000_000), environment: "dev", extraLabels: ["team": "sre"])

    @Test func minimalAlert() throws {
        let data = Data(#"{"klaxon":1,"alerts":[{"labels":{"alertname":"DiskFull","host":"db1"},"severity":"high"}]}"#.utf8)
        let r = try Decoders.decode(data, format: .auto, context: Self.ctx)
        #expect(r.format == .klaxon)
        let a = try #require(r.alerts.first)
        #expect(a.severity == .high)
        #expect(a.labels["source"] == "generic")
        #expect(a.labels["environment"] == "dev")
        #expect(a.labels["team"] == "sre")
        #expect(a.detectedAt == Self.ctx.receivedAt)
        #expect(a.fingerprint == Fingerprint(labels: ["alertname": "DiskFull", "host": "db1", "source": "generic"]))
    }

    @Test func explicitIdentityFingerprintAndTimes() throws {
        let data = Data(#"{"klaxon":1,"scopes":["s1"],"alerts":[{"labels":{"alertname":"X","a":"1","b":"2"},"identity":["alertname","a"],"severity":{"id":4,"score":72},"scope":"s1","occurredAt":"2024-01-01T00:00:00Z","resolvedAt":"2024-01-02T00:00:00.5Z"},{"labels":{"alertname":"Y"},"fingerprint":"00000000000000ff"}]}"#.utf8)
        let r = try Decoders.decode(data, format: .klaxon, context: Self.ctx)
        #expect(r.scopes == ["s1"])
        #expect(r.alerts[0].fingerprint == Fingerprint(labels: ["alertname": "X", "a": "1"]))
        #expect(r.alerts[0].severity == Severity(id: 4, score: 72))
        #expect(r.alerts[0].resolvedAt == Timestamps.make(year: 2024, month: 1, day: 2, hour: 0, minute: 0, second: 0, nanos: 500_000_000))
        #expect(r.alerts[1].fingerprint == Fingerprint(value: 255))
    }

    @Test(arguments: [
        (#"{"klaxon":1,"alerts":[{"labels":{}}]}"#, "alerts[0].labels.alertname", "missing"),
        (#"{"klaxon":2,"alerts":[]}"#, "klaxon", "unsupported Klaxon JSON version (expected 1)"),
        (#"{"klaxon":1,"alerts":[{"labels":{"alertname":"A"},"severity":"loud"}]}"#, "alerts[0].severity", "unknown severity \"loud\""),
        (#"{"klaxon":1,"alerts":[{"labels":{"alertname":"A"},"severity":{"id":9}}]}"#, "alerts[0].severity.id", "expected an integer 0–6"),
        (#"{"klaxon":1,"alerts":[{"labels":{"alertname":"A"},"fingerprint":"xyz"}]}"#, "alerts[0].fingerprint", "expected 16 hex digits"),
    ])
    func errors(json: String, path: String, message: String) {
        #expect(throws: DecodeError(path: path, message)) {
            try Decoders.decode(Data(json.utf8), format: .klaxon, context: Self.ctx)
        }
    }
}
