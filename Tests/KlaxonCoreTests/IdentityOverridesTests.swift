import Foundation
import Testing
@testable import KlaxonCore

@Suite struct IdentityOverridesTests {
    static let ctx = DecodeContext(receivedAt: Date(timeIntervalSince1970: 1_700_000_000))

    static func falco(host: String, pod: String) throws -> Alert {
        let data = Data(#"{"rule":"R","priority":"Warning","hostname":"\#(host)","output":"o","output_fields":{"k8s.ns.name":"shop","k8s.pod.name":"\#(pod)","container.id":"c-\#(host)"}}"#.utf8)
        return try Decoders.decode(data, format: .falco, context: ctx).alerts[0]
    }

    @Test func falcoKeyedByPodSurvivesRescheduling() throws {
        let a = try Self.falco(host: "node-1", pod: "api-1")
        let b = try Self.falco(host: "node-2", pod: "api-1")
        #expect(a.fingerprint != b.fingerprint)  // default: rule + host + container + process
        let o = IdentityOverrides([.init(match: ["source": "falco"], identity: ["source", "rule", "namespace", "pod"])])
        #expect(o.apply(to: a).fingerprint == o.apply(to: b).fingerprint)
        #expect(o.apply(to: a).fingerprint == Fingerprint(labels: a.labels, keys: ["source", "rule", "namespace", "pod"]))
        #expect(o.apply(to: try Self.falco(host: "node-1", pod: "api-2")).fingerprint != o.apply(to: a).fingerprint)
    }

    @Test func unmatchedAlertsKeepTheirFingerprint() throws {
        let a = try Self.falco(host: "h", pod: "p")
        let o = IdentityOverrides([.init(match: ["source": "trivy"], identity: ["cve"])])
        #expect(o.apply(to: a) == a)
    }

    @Test func mostSpecificRuleWins() throws {
        let a = try Self.falco(host: "h", pod: "p")
        let o = IdentityOverrides([
            .init(match: ["source": "falco"], identity: ["rule"]),
            .init(match: ["source": "falco", "namespace": "shop"], identity: ["rule", "pod"]),
        ])
        #expect(o.rule(for: a.labels)?.identity == ["rule", "pod"])
        let decoded = try JSONDecoder().decode(IdentityOverrides.self, from: JSONEncoder().encode(o))
        #expect(decoded == o)
    }
}
