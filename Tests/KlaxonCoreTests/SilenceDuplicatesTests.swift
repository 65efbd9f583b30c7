import Foundation
import Testing
@testable import KlaxonCore

@Suite struct SilenceDuplicatesTests {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    func silence(_ id: String, _ matchers: String, from: TimeInterval, ending: Silence.Ending, by: String = "alice",
                 comment: String = "maintenance") throws -> Silence {
        Silence(id: id, matchers: try Matcher.parseList(matchers), startsAt: t0.addingTimeInterval(from), ending: ending,
                createdBy: by, comment: comment)
    }

    @Test func theSameRuleIsADuplicateWhateverItsIdOrMatcherOrder() throws {
        let end = Silence.Ending.at(t0.addingTimeInterval(3600))
        let existing = try silence("a", #"{cluster="eu", alertname=~"Disk.*"}"#, from: -600, ending: end)
        let now = t0
        // A re-import: same rule, its past start clamped to now as the API does.
        let again = try silence("b", #"{alertname=~"Disk.*", cluster="eu"}"#, from: 0, ending: end)
        #expect(again.duplicates(existing, at: now))
        // Any difference makes a new silence.
        #expect(try !silence("b", #"{cluster="us", alertname=~"Disk.*"}"#, from: 0, ending: end).duplicates(existing, at: now))
        #expect(try !silence("b", #"{cluster="eu"}"#, from: 0, ending: end).duplicates(existing, at: now))
        #expect(try !silence("b", #"{cluster="eu", alertname=~"Disk.*"}"#, from: 0, ending: .at(t0.addingTimeInterval(7200))).duplicates(existing, at: now))
        #expect(try !silence("b", #"{cluster="eu", alertname=~"Disk.*"}"#, from: 0, ending: .onResolve).duplicates(existing, at: now))
        #expect(try !silence("b", #"{cluster="eu", alertname=~"Disk.*"}"#, from: 0, ending: end, by: "bob").duplicates(existing, at: now))
        #expect(try !silence("b", #"{cluster="eu", alertname=~"Disk.*"}"#, from: 0, ending: end, comment: "other").duplicates(existing, at: now))
        #expect(try !silence("b", #"{cluster="eu", alertname=~"Disk.*"}"#, from: 60, ending: end).duplicates(existing, at: now))
        // An expired silence is not in force: the same rule is created again.
        #expect(!again.duplicates(existing.expired(at: t0.addingTimeInterval(-1)), at: now))
    }

    @Test func pendingSilencesCompareTheirStarts() throws {
        let end = Silence.Ending.at(t0.addingTimeInterval(3600))
        let pending = try silence("a", "team=db", from: 600, ending: end)
        #expect(try silence("b", "team=db", from: 600, ending: end).duplicates(pending, at: t0))
        #expect(try !silence("b", "team=db", from: 300, ending: end).duplicates(pending, at: t0))
    }

    @Test func idPrefixesResolveOnlyWhenUnique() throws {
        let ids = ["3f2a0c1e-aaaa", "3f9b7d20-bbbb", "c0ffee00-cccc"]
        #expect(try SilenceIDPrefix.resolve("c0", among: ids) == "c0ffee00-cccc")
        #expect(try SilenceIDPrefix.resolve("3f2", among: ids) == "3f2a0c1e-aaaa")
        #expect(try SilenceIDPrefix.resolve("3f9b7d20-bbbb", among: ids) == "3f9b7d20-bbbb")
        #expect(throws: SilenceLookupError(#"silence id prefix "3f" is ambiguous, it matches 3f2a0c1e-aaaa, 3f9b7d20-bbbb"#)) {
            try SilenceIDPrefix.resolve("3f", among: ids)
        }
        #expect(throws: SilenceLookupError(#"no silence id starts with "dead""#)) { try SilenceIDPrefix.resolve("dead", among: ids) }
        #expect(throws: SilenceLookupError(#"no silence id starts with """#)) { try SilenceIDPrefix.resolve("", among: ids) }
    }
}
