import Foundation
import Testing
@testable import KlaxonCore

@Suite struct SilenceTests {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    func silence(_ matchers: String, from: TimeInterval, ending: Silence.Ending) throws -> Silence {
        Silence(id: "s1", matchers: try Matcher.parseList(matchers), startsAt: t0.addingTimeInterval(from),
                ending: ending, createdBy: "alice", comment: "maintenance")
    }

    @Test func statesFollowInjectedNow() throws {
        let s = try silence("cluster=eu", from: 60, ending: .at(t0.addingTimeInterval(3600)))
        #expect(s.state(at: t0) == .pending)
        #expect(s.state(at: t0.addingTimeInterval(60)) == .active)
        #expect(s.state(at: t0.addingTimeInterval(3600)) == .active)
        #expect(s.state(at: t0.addingTimeInterval(3601)) == .expired)
        #expect(s.expired(at: t0.addingTimeInterval(120)).state(at: t0.addingTimeInterval(121)) == .expired)
    }

    @Test func mutesOnlyMatchingAlertsWhileActive() throws {
        let s = try silence(#"{cluster="eu", alertname=~"Disk.*"}"#, from: 0, ending: .at(t0.addingTimeInterval(3600)))
        let labels = ["cluster": "eu", "alertname": "DiskFull"]
        #expect(s.mutes(labels, at: t0.addingTimeInterval(10)))
        #expect(!s.mutes(["cluster": "us", "alertname": "DiskFull"], at: t0.addingTimeInterval(10)))
        #expect(!s.mutes(labels, at: t0.addingTimeInterval(-10)))
        #expect(!s.mutes(labels, at: t0.addingTimeInterval(4000)))
    }

    @Test func onResolveSilenceEndsWhenItsAlertResolves() throws {
        let s = try silence("cve=CVE-2024-1", from: 0, ending: .onResolve)
        var silencer = Silencer(silences: [s])
        let labels = ["cve": "CVE-2024-1"]
        #expect(silencer.mutes(labels, at: t0.addingTimeInterval(86400 * 365)))
        silencer = silencer.resolving(labels, at: t0.addingTimeInterval(500))
        #expect(silencer.silences[0].state(at: t0.addingTimeInterval(500)) == .expired)
        #expect(!silencer.mutes(labels, at: t0.addingTimeInterval(600)))
    }

    @Test func silencerListsMutingSilences() throws {
        let a = try silence("a=1", from: 0, ending: .onResolve)
        var b = try silence("b=2", from: 0, ending: .onResolve)
        b.id = "s2"
        let silencer = Silencer(silences: [a, b])
        #expect(silencer.silences(muting: ["a": "1", "b": "2"], at: t0).map(\.id) == ["s1", "s2"])
        #expect(silencer.silences(muting: ["a": "1"], at: t0).map(\.id) == ["s1"])
    }

    @Test func validationUsesAlertmanagerRules() throws {
        #expect(throws: MatcherError("at least one matcher must not match the empty string")) {
            try silence(#"a=~".*""#, from: 0, ending: .onResolve).validate()
        }
        #expect(throws: MatcherError("end time must not be before start time")) {
            try silence("a=1", from: 10, ending: .at(t0)).validate()
        }
        try silence("a=1", from: 0, ending: .onResolve).validate()
    }
}

@Suite struct SilenceCodingTests {
    @Test func roundTripsThroughJSON() throws {
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        let silences = [
            Silence(id: "a", matchers: try Matcher.parseList(#"{team=~"db|web", env!="dev", x!~"y.*", z="1"}"#),
                    startsAt: t0, ending: .at(t0.addingTimeInterval(60)), createdBy: "alice", comment: "c"),
            Silence(id: "b", matchers: try Matcher.parseList("cve=CVE-1"), startsAt: t0, ending: .onResolve,
                    expiredAt: t0.addingTimeInterval(5), createdBy: "bob", comment: "fp"),
        ]
        let data = try JSONEncoder().encode(silences)
        #expect(try JSONDecoder().decode([Silence].self, from: data) == silences)
    }

    @Test func readsAlertmanagerMatcherJSON() throws {
        let json = #"[{"name":"team","value":"db|web","isRegex":true},{"name":"env","value":"dev","isRegex":false,"isEqual":false}]"#
        let ms = try JSONDecoder().decode([Matcher].self, from: Data(json.utf8))
        #expect(ms.map(\.description) == [#"team=~"db|web""#, #"env!="dev""#])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([Matcher].self, from: Data(#"[{"name":"a","value":"(","isRegex":true}]"#.utf8))
        }
    }
}
